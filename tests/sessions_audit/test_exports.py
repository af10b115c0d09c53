"""The exports written by PostgreSQL (COPY) hold exactly what the Python writer holds."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection

from sessions_audit import exports
from sessions_audit.models import AccessSession, AuditAction, AuditEvent
from sessions_audit.selectors import audit_events_filter, sessions_filter
from sessions_audit.services import audit_event_record
from tests.conftest import service_unavailable
from tests.factories import AccessSessionFactory, AccountFactory

pytestmark = pytest.mark.django_db

# Every kind of cell a writer can get wrong: formulas, CSV's own characters, line breaks,
# backslashes (COPY's text format would double them), non-ASCII, empty text.
HOSTILE = [
    '=HYPERLINK("http://x")',
    "+1",
    "-1",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    'a "quoted", comma',
    "two\nlines\r\nand a \\ backslash",
    "é ü 中文 😀",
    "",
    "plain",
]


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        service_unavailable("PostgreSQL (the COPY export exists only there)")


@pytest.fixture
def sessions(postgresql):
    account = AccountFactory()
    rows = [
        AccessSessionFactory(
            account=account,
            user_agent=text,
            account_name=text or "unnamed",
            status=AccessSession.Status.FAILED,
            expires_at=None,
            failure_code=text[:60],
            failure_message=text,
            source_ip="2001:db8::1" if i % 2 else "203.0.113.7",
        )
        for i, text in enumerate(HOSTILE)
    ]
    # A whole second (no fraction), an active one past its expiry (read as expired), no IP.
    rows.append(
        AccessSessionFactory(
            account=account,
            created_at=datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC),
            expires_at=datetime(2026, 11, 20, 12, 15, 0, tzinfo=UTC),
            source_ip=None,
            duration_seconds=900,
        )
    )
    return account.resource.project, rows


def _csv_rows(chunks) -> list[dict]:
    text = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks).decode()
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _jsonl_rows(chunks) -> list[dict]:
    text = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks).decode()
    return [json.loads(line) for line in text.split("\n") if line]


def test_the_sessions_csv_from_copy_equals_the_python_writer(sessions):
    project, rows = sessions
    qs = sessions_filter(project=project)

    written = _csv_rows(exports.sessions_csv(qs))
    expected = _csv_rows(exports._python_csv(qs.with_effective_status(), exports.SESSION_COLUMNS))

    assert written == expected
    assert len(written) == len(rows)
    agents = {r["user_agent"] for r in written}
    assert agents >= {'\'=HYPERLINK("http://x")', "'\t=1", "é ü 中文 😀"}
    whole = next(r for r in written if r["duration_seconds"] == "900")
    assert whole["created_at"] == "2026-11-20T12:00:00+00:00"
    assert whole["status"] == "expired" and whole["source_ip"] == ""


def test_the_sessions_json_lines_from_copy_equal_the_python_writer(sessions):
    project, rows = sessions
    qs = sessions_filter(project=project)

    written = _jsonl_rows(exports.sessions_jsonl(qs))

    assert written == _jsonl_rows(
        exports._python_jsonl(qs.with_effective_status(), exports.SESSION_COLUMNS)
    )
    assert [r["session_id"] for r in written] == [
        str(s.pk) for s in sorted(rows, key=lambda s: (s.created_at, s.pk), reverse=True)
    ]
    assert {r["user_agent"] for r in written} >= set(HOSTILE)  # JSON keeps text as it is


def test_the_audit_exports_from_copy_equal_the_python_writer(sessions):
    project, _ = sessions
    for text in HOSTILE:
        audit_event_record(
            actor=None,
            action=AuditAction.SLACK_SET,
            project=project,
            target=text,
            detail={"old": text, "n": -1, "nested": {"list": [1, 2.5, None, True]}},
        )
    qs = audit_events_filter(project=project)

    assert _csv_rows(exports.audit_csv(qs)) == _csv_rows(
        exports._python_csv(qs, exports.AUDIT_COLUMNS)
    )
    written = _jsonl_rows(exports.audit_jsonl(qs))
    assert written == _jsonl_rows(exports._python_jsonl(qs, exports.AUDIT_COLUMNS))
    assert [r["id"] for r in written] == sorted(
        AuditEvent.objects.filter(project=project).values_list("id", flat=True), reverse=True
    )
    assert written[-1]["detail"]["old"] == HOSTILE[0]


def test_an_export_filters_as_the_screen_does(sessions):
    project, rows = sessions
    qs = sessions_filter(project=project, status=AccessSession.Status.EXPIRED)

    assert [r["session_id"] for r in _csv_rows(exports.sessions_csv(qs))] == [str(rows[-1].pk)]


@pytest.mark.django_db(transaction=True)
def test_the_settings_of_a_copy_end_with_it(postgresql):
    AccessSessionFactory()

    def settings():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('jit'), current_setting('TimeZone')")
            return cursor.fetchone()

    with connection.cursor() as cursor:
        cursor.execute("SET TimeZone TO 'Europe/Paris'")
    before = settings()

    assert len(_csv_rows(exports.sessions_csv(AccessSession.objects.all()))) == 1

    assert settings() == before
    assert not connection.in_atomic_block


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC), "2026-12-01T10:00:00+00:00"),
        (datetime(2026, 12, 1, 10, 0, 0, 500000, tzinfo=UTC), "2026-12-01T10:00:00.5+00:00"),
        (datetime(2026, 12, 1, 10, 0, 0, 10, tzinfo=UTC), "2026-12-01T10:00:00.00001+00:00"),
        (
            datetime(2026, 12, 1, 11, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1))),
            "2026-12-01T10:00:00.123456+00:00",
        ),
    ],
)
def test_times_are_written_in_utc_as_postgresql_writes_them(value, text):
    assert exports.iso_time(value) == text


@pytest.mark.django_db(transaction=True)
def test_a_download_abandoned_half_way_leaves_the_connection_usable(postgresql, monkeypatch):
    """A browser that goes away mid-download: the WSGI server closes the iterator; psycopg
    cancels the COPY, the transaction rolls back, and the next request's queries work."""
    monkeypatch.setattr(exports, "COPY_CHUNK_BYTES", 256)
    first = AccessSessionFactory()
    copied = {
        f.attname: getattr(first, f.attname)
        for f in AccessSession._meta.concrete_fields
        if not f.primary_key
    }
    # Megabytes more than the socket holds: the server is still sending when the reader stops.
    AccessSession.objects.bulk_create(
        [AccessSession(**copied) for _ in range(20_000)], batch_size=5000
    )
    chunks = exports.sessions_csv(AccessSession.objects.all())

    assert next(chunks).startswith(b"created_at,")
    assert connection.in_atomic_block
    chunks.close()

    assert not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sessions_audit_accesssession")
        assert cursor.fetchone()[0] == 20_001
    assert connection.connection.info.transaction_status == 0  # psycopg's IDLE
