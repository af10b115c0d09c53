import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from sessions_audit import selectors
from sessions_audit.models import AccessSession
from tests.factories import AccessSessionFactory, AccountFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def _csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def session(account):
    return AccessSessionFactory(
        account=account,
        user_email="alice@example.com",
        role_session_name="alice@example.com",
        assumed_role_arn="arn:aws:sts::123456789012:assumed-role/ReadOnly/alice@example.com",
        assumed_role_id="AROAEXAMPLE:alice@example.com",
        source_ip="203.0.113.7",
        user_agent="Mozilla/5.0 test",
        created_at=_at(20),
        expires_at=_at(20, 13),
    )


def test_sessions_are_404_for_non_members(client, project):
    client.force_login(UserFactory())
    assert client.get(reverse("sessions_audit:list", args=[project.slug])).status_code == 404


def test_members_cannot_review_sessions(client, member_user, project):
    client.force_login(member_user)
    assert client.get(reverse("sessions_audit:list", args=[project.slug])).status_code == 403


def test_members_cannot_export_sessions(client, member_user, project):
    client.force_login(member_user)
    assert client.get(reverse("sessions_audit:export", args=[project.slug])).status_code == 403


def test_members_cannot_open_a_session(client, member_user, session):
    client.force_login(member_user)
    url = reverse("sessions_audit:detail", args=[session.project.slug, session.pk])
    assert client.get(url).status_code == 403


def test_auditor_sees_the_sessions(client, auditor_user, session):
    client.force_login(auditor_user)
    body = client.get(reverse("sessions_audit:list", args=[session.project.slug])).content.decode()
    assert "alice@example.com" in body


def test_sessions_of_other_projects_are_not_listed(client, auditor_user, project, session):
    AccessSessionFactory(user_email="mallory@example.com")
    client.force_login(auditor_user)
    body = client.get(reverse("sessions_audit:list", args=[project.slug])).content.decode()
    assert "mallory@example.com" not in body


def test_session_of_another_project_is_404(client, auditor_user, project):
    foreign = AccessSessionFactory()
    client.force_login(auditor_user)
    url = reverse("sessions_audit:detail", args=[project.slug, foreign.pk])
    assert client.get(url).status_code == 404


def test_list_is_newest_first(client, auditor_user, account):
    for day in (3, 5, 4):
        AccessSessionFactory(account=account, created_at=_at(day))
    client.force_login(auditor_user)
    response = client.get(reverse("sessions_audit:list", args=[account.resource.project.slug]))
    days = [s.created_at.day for s in response.context["page"].sessions]
    assert days == [5, 4, 3]


def test_filter_by_user_email_prefix(client, auditor_user, account):
    AccessSessionFactory(account=account, user_email="alice@example.com")
    AccessSessionFactory(account=account, user_email="bob@example.com")
    client.force_login(auditor_user)
    response = client.get(
        reverse("sessions_audit:list", args=[account.resource.project.slug]), {"user": "ali"}
    )
    assert [s.user_email for s in response.context["page"].sessions] == ["alice@example.com"]


def test_filter_by_account(client, auditor_user, account):
    other = AccountFactory(resource=account.resource)
    AccessSessionFactory(account=account)
    wanted = AccessSessionFactory(account=other)
    client.force_login(auditor_user)
    response = client.get(
        reverse("sessions_audit:list", args=[account.resource.project.slug]),
        {"account": other.pk},
    )
    assert [s.pk for s in response.context["page"].sessions] == [wanted.pk]


def test_filter_by_status_counts_overdue_active_as_expired(client, auditor_user, account):
    overdue = AccessSessionFactory(
        account=account, status="active", expires_at=datetime.now(UTC) - timedelta(minutes=1)
    )
    AccessSessionFactory(account=account, status="active")
    client.force_login(auditor_user)
    response = client.get(
        reverse("sessions_audit:list", args=[account.resource.project.slug]),
        {"status": "expired"},
    )
    assert [s.pk for s in response.context["page"].sessions] == [overdue.pk]


def test_filter_by_date_range_includes_both_days(client, auditor_user, account):
    for day in (1, 2, 3, 4):
        AccessSessionFactory(account=account, created_at=_at(day, 23))
    client.force_login(auditor_user)
    response = client.get(
        reverse("sessions_audit:list", args=[account.resource.project.slug]),
        {"since": "2026-11-02", "until": "2026-11-03"},
    )
    assert [s.created_at.day for s in response.context["page"].sessions] == [3, 2]


def test_reversed_date_range_is_a_form_error(client, auditor_user, project):
    client.force_login(auditor_user)
    response = client.get(
        reverse("sessions_audit:list", args=[project.slug]),
        {"since": "2026-11-05", "until": "2026-11-01"},
    )
    assert "until" in response.context["form"].errors


def test_htmx_filter_returns_only_the_results(client, auditor_user, session):
    client.force_login(auditor_user)
    response = client.get(reverse("sessions_audit:list", args=[session.project.slug]), headers=HTMX)
    body = response.content.decode()
    assert 'id="results"' in body
    assert "<html" not in body


def test_keyset_pages_cover_every_row_once(account):
    # Same timestamp for many rows: the id breaks the tie, nothing is skipped or repeated.
    for _ in range(7):
        AccessSessionFactory(account=account, created_at=_at(10))
    for day in (11, 12, 13):
        AccessSessionFactory(account=account, created_at=_at(day))
    qs = selectors.sessions_filter(project=account.resource.project)
    seen, cursor = [], ""
    while True:
        page = selectors.sessions_page(qs, after=cursor, size=3)
        seen += [s.pk for s in page.sessions]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == list(qs.values_list("pk", flat=True))
    assert len(set(seen)) == 10


def test_next_page_link_carries_the_filters(client, auditor_user, account, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    for day in (1, 2, 3):
        AccessSessionFactory(account=account, created_at=_at(day), user_email="a@example.com")
    client.force_login(auditor_user)
    url = reverse("sessions_audit:list", args=[account.resource.project.slug])
    first = client.get(url, {"user": "a@"})
    cursor = first.context["page"].next_cursor
    second = client.get(url, {"user": "a@", "after": cursor})
    assert "user=a%40&amp;after=" in first.content.decode()
    assert [s.created_at.day for s in second.context["page"].sessions] == [1]


def test_a_garbled_cursor_shows_the_first_page(client, auditor_user, session):
    client.force_login(auditor_user)
    response = client.get(
        reverse("sessions_audit:list", args=[session.project.slug]), {"after": "not-a-cursor"}
    )
    assert [s.pk for s in response.context["page"].sessions] == [session.pk]


def test_export_streams_csv(client, auditor_user, session):
    client.force_login(auditor_user)
    response = client.get(reverse("sessions_audit:export", args=[session.project.slug]))
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]


def test_export_holds_the_session_facts(client, auditor_user, session):
    client.force_login(auditor_user)
    rows = _csv(client.get(reverse("sessions_audit:export", args=[session.project.slug])))
    assert rows[0]["assumed_role_arn"] == session.assumed_role_arn
    assert rows[0]["source_ip"] == "203.0.113.7"
    assert rows[0]["status"] == "expired"  # active, but its expiry is in the past


def test_export_applies_the_filters(client, auditor_user, account):
    AccessSessionFactory(account=account, user_email="alice@example.com")
    AccessSessionFactory(account=account, user_email="bob@example.com")
    client.force_login(auditor_user)
    response = client.get(
        reverse("sessions_audit:export", args=[account.resource.project.slug]), {"user": "bob"}
    )
    assert [row["user_email"] for row in _csv(response)] == ["bob@example.com"]


@pytest.mark.parametrize("payload", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"])
def test_export_neutralises_formulas(client, auditor_user, account, payload):
    AccessSessionFactory(account=account, user_agent=payload)
    client.force_login(auditor_user)
    rows = _csv(client.get(reverse("sessions_audit:export", args=[account.resource.project.slug])))
    assert rows[0]["user_agent"] == "'" + payload


def test_session_page_shows_who_what_and_where(client, auditor_user, session):
    client.force_login(auditor_user)
    body = client.get(
        reverse("sessions_audit:detail", args=[session.project.slug, session.pk])
    ).content.decode()
    body = body.replace("<wbr>", "")  # the line-break hints inside ARNs
    for fact in (
        session.assumed_role_arn,
        "AROAEXAMPLE:alice@example.com",
        "203.0.113.7",
        "Mozilla/5.0 test",
        session.target_role_arn,
    ):
        assert fact in body


def test_session_page_gives_the_cloudtrail_lookup(client, auditor_user, session):
    client.force_login(auditor_user)
    response = client.get(reverse("sessions_audit:detail", args=[session.project.slug, session.pk]))
    assert response.context["cloudtrail_command"] == (
        "aws cloudtrail lookup-events --lookup-attributes "
        "AttributeKey=Username,AttributeValue=alice@example.com "
        "--start-time 2026-11-20T11:55:00Z --end-time 2026-11-20T13:05:00Z --region us-east-1"
    )


def test_failed_session_page_shows_the_hint(client, auditor_user, account):
    failed = AccessSessionFactory(
        account=account, status=AccessSession.Status.FAILED, expires_at=None,
        failure_code="AccessDenied", failure_message="The target role does not trust the bridge.",
    )  # fmt: skip
    client.force_login(auditor_user)
    body = client.get(
        reverse("sessions_audit:detail", args=[account.resource.project.slug, failed.pk])
    ).content.decode()
    assert "The target role does not trust the bridge." in body


def test_htmx_history_restore_gets_the_whole_page(client, auditor_user, session):
    # Back to a filtered list that htmx pushed but no longer caches: it asks for the page again
    # with HX-Request set, and must not get a bare fragment to put in place of the document.
    client.force_login(auditor_user)
    response = client.get(
        reverse("sessions_audit:list", args=[session.project.slug]),
        headers={**HTMX, "HX-History-Restore-Request": "true"},
    )
    assert "<html" in response.content.decode()


def test_session_list_varies_by_htmx_request(client, auditor_user, session):
    client.force_login(auditor_user)
    response = client.get(reverse("sessions_audit:list", args=[session.project.slug]))
    assert "HX-Request" in response.headers.get("Vary", "")


def test_htmx_filter_says_why_an_invalid_filter_shows_nothing(client, auditor_user, project):
    client.force_login(auditor_user)
    response = client.get(
        reverse("sessions_audit:list", args=[project.slug]),
        {"since": "2026-11-05", "until": "2026-11-01"},
        headers=HTMX,
    )
    assert "The end date is before the start date." in response.content.decode()
