"""What each session did (CloudTrail LookupEvents, answered by botocore's Stubber: moto does
not implement it): only the session's own events are kept, once each; pages follow NextToken;
throttling backs off; the shared limiter keeps every worker at 2 calls a second per account and
region; the session page shows them."""

import json
import threading
from datetime import UTC, datetime, timedelta

import botocore.session
import pytest
from botocore.stub import ANY, Stubber
from django.urls import reverse
from django.utils import timezone

from pamsite.aws import cloudtrail
from resources.models import Membership, Resource
from sessions_audit import evidence
from sessions_audit.models import SessionEvent, SessionEvidence
from tests.factories import AccessSessionFactory, MembershipFactory

pytestmark = pytest.mark.django_db
ARN = "arn:aws:sts::123456789012:assumed-role/ReadOnly/alice@example.com"


def _event(
    n, *, arn=ARN, name="DescribeInstances", read_only=True, error="", account="123456789012"
):
    raw = {
        "eventID": f"ev-{n}",
        "eventTime": "2026-12-01T10:00:00Z",
        "eventSource": "ec2.amazonaws.com",
        "eventName": name,
        "awsRegion": "us-east-1",
        "requestID": f"req-{n}",
        "recipientAccountId": account,
        "userIdentity": {"type": "AssumedRole", "arn": arn},
        "requestParameters": {"secretish": "not kept"},
    }
    if error:
        raw["errorCode"] = error
    return {
        "EventId": f"ev-{n}",
        "EventName": name,
        "ReadOnly": "true" if read_only else "false",
        "EventTime": datetime(2026, 12, 1, 10, 0, n % 60, tzinfo=UTC),
        "EventSource": "ec2.amazonaws.com",
        "Resources": [{"ResourceType": "AWS::EC2::Instance", "ResourceName": f"i-{n}"}],
        "CloudTrailEvent": json.dumps(raw),
    }


@pytest.fixture
def trail(monkeypatch):
    client = botocore.session.get_session().create_client(
        "cloudtrail", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    monkeypatch.setattr(cloudtrail, "_client", lambda credentials, region: client)
    monkeypatch.setattr(
        evidence, "bridge_session", lambda **kw: type("B", (), {"credentials": None})()
    )
    with Stubber(client) as stubber:
        yield stubber


@pytest.fixture
def session():
    s = AccessSessionFactory(
        assumed_role_arn=ARN,
        role_session_name="alice@example.com",
        expires_at=timezone.now() - timedelta(minutes=30),
        duration_seconds=900,
        created_at=timezone.now() - timedelta(minutes=45),
        status="expired",
    )
    Resource.objects.filter(pk=s.resource_id).update(cloudtrail_enabled=True)
    return s


def _params(**extra):
    return {
        "LookupAttributes": [{"AttributeKey": "Username", "AttributeValue": "alice@example.com"}],
        "StartTime": ANY,
        "EndTime": ANY,
        "MaxResults": 50,
        **extra,
    }


def test_only_the_sessions_events_are_kept_once_with_pages(trail, session):
    trail.add_response(
        "lookup_events",
        {
            "Events": [
                _event(1),
                _event(2, arn="arn:aws:sts::123456789012:assumed-role/X/alice@example.com"),
            ],
            "NextToken": "t2",
        },
        _params(),
    )
    trail.add_response(
        "lookup_events",
        {
            "Events": [
                _event(3, name="TerminateInstances", read_only=False, error="AccessDenied"),
                _event(4, account="999999999999"),
            ]
        },
        _params(NextToken="t2"),
    )
    result = evidence.session_events_fetch(session=session)
    assert sorted(SessionEvent.objects.values_list("event_id", flat=True)) == ["ev-1", "ev-3"]
    assert (result.writes, result.errors, result.last_error) == (1, 1, "")
    stored = SessionEvent.objects.get(event_id="ev-3")
    assert stored.resources == ["i-3"] and "requestParameters" not in stored.raw
    # Again: nothing stored twice.
    trail.add_response(
        "lookup_events", {"Events": [_event(1), _event(3, read_only=False)]}, _params()
    )
    evidence.session_events_fetch(session=session)
    assert SessionEvent.objects.count() == 2
    assert SessionEvidence.objects.get().fetches == 2


def test_throttling_backs_off_and_a_refusal_is_kept_not_raised(trail, session, monkeypatch):
    monkeypatch.setattr(cloudtrail.time, "sleep", lambda seconds: None)
    trail.add_client_error(
        "lookup_events", service_error_code="ThrottlingException", http_status_code=400
    )
    trail.add_response("lookup_events", {"Events": [_event(1)]}, _params())
    evidence.session_events_fetch(session=session)
    assert SessionEvent.objects.count() == 1
    trail.add_client_error(
        "lookup_events", service_error_code="AccessDeniedException", http_status_code=400
    )
    result = evidence.session_events_fetch(session=session)
    assert result.last_error.startswith("AccessDeniedException: CloudTrail refused the lookup")


def test_the_shared_limiter_allows_two_calls_a_second_across_workers():
    calls, lock = [], threading.Lock()
    wait = evidence.throttle_for("123456789012", "us-east-1")

    # The second whose budget each call took: a clock read after wait() returns can fall in
    # the next second when the thread is descheduled at the boundary.
    def worker():
        for _ in range(3):
            second = wait()
            with lock:
                calls.append(second)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    per_second = {}
    for stamp in calls:
        per_second[int(stamp)] = per_second.get(int(stamp), 0) + 1
    assert len(calls) == 9
    assert max(per_second.values()) <= 2, per_second


def test_due_after_five_minutes_and_again_after_twenty(session):
    end = session.expires_at
    assert session.pk not in evidence.sessions_evidence_due(now=end + timedelta(minutes=4))
    assert session.pk in evidence.sessions_evidence_due(now=end + timedelta(minutes=6))
    SessionEvidence.objects.create(session=session, fetches=1, fetched_at=end)
    assert session.pk not in evidence.sessions_evidence_due(now=end + timedelta(minutes=10))
    assert session.pk in evidence.sessions_evidence_due(now=end + timedelta(minutes=21))


def test_the_session_page_shows_what_it_did_and_admins_fetch_now(client, trail, session):
    admin = MembershipFactory(project=session.project, role=Membership.Role.ADMIN).user
    client.force_login(admin)
    trail.add_response(
        "lookup_events",
        {"Events": [_event(1), _event(2, name="RunInstances", read_only=False)]},
        _params(),
    )
    done = client.post(
        reverse("sessions_audit:fetch_events", args=[session.project.slug, session.pk]), follow=True
    )
    page = done.content.decode()
    assert "Fetched: 2 events so far." in page
    assert "What this session did" in page and "ec2 2" in page
    assert "1 write call" in page and "ec2:RunInstances" in page
    auditor = MembershipFactory(project=session.project, role=Membership.Role.AUDITOR).user
    client.force_login(auditor)
    refused = client.post(
        reverse("sessions_audit:fetch_events", args=[session.project.slug, session.pk])
    )
    assert refused.status_code == 403


def test_the_sessions_list_counts_writes_and_filters_on_them(client, session):
    quiet = AccessSessionFactory(account=session.account)
    SessionEvidence.objects.create(session=session, fetches=1, writes=3, errors=1)
    SessionEvidence.objects.create(session=quiet, fetches=1, writes=0)
    auditor = MembershipFactory(project=session.project, role=Membership.Role.AUDITOR).user
    client.force_login(auditor)
    url = reverse("sessions_audit:list", args=[session.project.slug])
    assert {s.pk for s in client.get(url, {"activity": "writes"}).context["page"].sessions} == {
        session.pk
    }
    assert "1 err" in client.get(url).content.decode()


def test_exports_as_json_lines_and_one_sessions_evidence_document(client, session):
    from sessions_audit.models import AuditAction
    from sessions_audit.services import audit_event_record

    SessionEvent.objects.create(
        session=session,
        event_id="ev-9",
        event_time=timezone.now(),
        event_name="GetObject",
        event_source="s3.amazonaws.com",
        read_only=True,
    )
    audit_event_record(
        actor=None, action=AuditAction.SLACK_SET, project=session.project, target="=cmd"
    )
    auditor = MembershipFactory(project=session.project, role=Membership.Role.AUDITOR).user
    client.force_login(auditor)
    slug = session.project.slug
    lines = b"".join(
        client.get(
            reverse("sessions_audit:export", args=[slug]), {"format": "jsonl"}
        ).streaming_content
    ).splitlines()
    assert [json.loads(line)["session_id"] for line in lines] == [str(session.pk)]
    audit = client.get(reverse("sessions_audit:audit_export", args=[slug]))
    assert b"'=cmd" in b"".join(audit.streaming_content)  # a formula is neutralised in CSV
    document = client.get(reverse("sessions_audit:evidence", args=[slug, session.pk])).json()
    assert document["session"]["session_id"] == str(session.pk)
    assert [e["name"] for e in document["cloudtrail_events"]] == ["GetObject"]
    assert document["request"] is None and document["revocation"] is None


def test_the_limiter_holds_across_processes_on_redis(settings):
    """The same limit with the production cache (Redis): four processes, each its own
    connection, share the 2-a-second budget of one account and region."""
    import os
    import subprocess
    import sys

    import redis

    url = os.environ.get("PAM_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        from tests.conftest import service_unavailable

        service_unavailable("Redis")
    code = (
        "import os, django\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'pamsite.settings'\n"
        "django.setup()\n"
        "from sessions_audit.evidence import throttle_for\n"
        "wait = throttle_for('123456789012', 'eu-west-9')\n"
        "for _ in range(3):\n"
        "    print(wait(), flush=True)\n"  # the second whose budget the call took
    )
    env = {**os.environ, "REDIS_URL": url, "DJANGO_SECRET_KEY": "x" * 50}
    procs = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", code],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            cwd=settings.BASE_DIR,
        )
        for _ in range(4)
    ]
    stamps = [float(line) for p in procs for line in p.communicate(timeout=60)[0].split()]
    per_second: dict[int, int] = {}
    for stamp in stamps:
        per_second[int(stamp)] = per_second.get(int(stamp), 0) + 1
    assert len(stamps) == 12
    assert max(per_second.values()) <= 2, per_second
