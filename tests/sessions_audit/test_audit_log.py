"""The Audit log tab: every event of the project, filters, keyset pages, nobody else's."""

import pytest
from django.urls import reverse

from resources.models import Membership
from sessions_audit.models import AuditAction
from sessions_audit.selectors import PAGE_SIZE
from sessions_audit.services import audit_event_record
from tests.factories import MembershipFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor_client(client):
    membership = MembershipFactory(role=Membership.Role.AUDITOR)
    client.force_login(membership.user)
    return client, membership.project


def _url(project, **query):
    from urllib.parse import urlencode

    return reverse("sessions_audit:audit", args=[project.slug]) + (
        "?" + urlencode(query) if query else ""
    )


def test_events_newest_first_with_the_real_actor(auditor_client):
    client, project = auditor_client
    admin = MembershipFactory(project=project, role="admin").user
    audit_event_record(
        actor=admin, action=AuditAction.RESOURCE_CREATE, project=project, target="prod"
    )
    audit_event_record(actor=None, action=AuditAction.GRANT_CLOSE, project=project, target="x")
    audit_event_record(
        actor=admin, action=AuditAction.RESOURCE_CREATE, project=ProjectFactory(), target="other"
    )
    events = client.get(_url(project)).context["events"]
    assert [e.target for e in events] == ["x", "prod"]
    assert events[1].actor_email == admin.email


def test_filters_and_pages(auditor_client):
    client, project = auditor_client
    for n in range(PAGE_SIZE + 5):
        audit_event_record(
            actor=None, action=AuditAction.REQUEST_EXPIRE, project=project, target=f"r{n}"
        )
    audit_event_record(actor=None, action=AuditAction.SLACK_SET, project=project, target="slack")
    page = client.get(_url(project, action="request.expire"))
    assert len(page.context["events"]) == PAGE_SIZE
    second = client.get(
        reverse("sessions_audit:audit", args=[project.slug]) + page.context["next_url"]
    )
    assert [e.target for e in second.context["events"]] == [f"r{n}" for n in range(4, -1, -1)]
    assert client.get(_url(project, action="slack.set")).context["events"][0].target == "slack"


def test_a_bad_date_says_so_and_shows_nothing(auditor_client):
    client, project = auditor_client
    audit_event_record(actor=None, action=AuditAction.SLACK_SET, project=project)
    page = client.get(_url(project, since="yesterday"))
    assert page.context["events"] == []
    assert b"YYYY-MM-DD" in page.content
