"""Notifications from the outbox: written with the change, delivered after it (locmem email,
a Slack webhook answered by respx), retried, then recorded as failed; the webhook URL is stored
encrypted and never shown, logged or audited."""

import json

import httpx
import pytest
import respx
from cryptography.fernet import Fernet
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from access_requests import services as requests
from accounts.models import Account
from notifications import delivery, services
from notifications.models import Notification, SlackChannel
from resources.models import Membership
from sessions_audit.models import AuditAction, AuditEvent
from tests.factories import AccountFactory, MembershipFactory, ResourceFactory

pytestmark = pytest.mark.django_db
WEBHOOK = "https://hooks.slack.com/services/T000/B000/secretsecretsecret"


@pytest.fixture
def key(settings):
    settings.PAM_ENCRYPTION_KEY = Fernet.generate_key().decode()


@pytest.fixture
def world():
    admin = MembershipFactory(role=Membership.Role.ADMIN).user
    project = admin.memberships.get().project
    member = MembershipFactory(project=project, role=Membership.Role.MEMBER).user
    auditor = MembershipFactory(project=project, role=Membership.Role.AUDITOR).user
    account = AccountFactory(
        resource=ResourceFactory(project=project),
        access_policy="request",
        break_glass_allowed=True,
    )
    return project, admin, member, auditor, account


def test_a_request_emails_the_approvers_after_commit(world, django_capture_on_commit_callbacks):
    project, admin, member, _, account = world
    with django_capture_on_commit_callbacks(execute=True):
        request = requests.request_create(actor=member, account=account, reason="fix", seconds=900)
    (message,) = mail.outbox
    assert message.to == [admin.email]
    assert message.subject == f"[PAM Console] Review needed: {member.email} asks for {account.name}"
    assert f"/projects/{project.slug}/requests/{request.pk}/" in message.body
    assert "approve" not in message.body.lower().replace("approvers", "")
    assert Notification.objects.get().status == "sent"
    assert AuditEvent.objects.filter(action=AuditAction.NOTIFICATION_SENT).count() == 1


def test_decision_and_break_glass_messages(world, django_capture_on_commit_callbacks):
    _, admin, member, auditor, account = world
    with django_capture_on_commit_callbacks(execute=True):
        request = requests.request_create(actor=member, account=account, reason="fix", seconds=900)
        requests.request_review(actor=admin, request=request, approve=True, comment="go")
        requests.request_create(
            actor=member, account=account, reason="outage", seconds=900, break_glass=True
        )
    subjects = [(m.subject, sorted(m.to)) for m in mail.outbox]
    assert (
        f"[PAM Console] Your request for {account.name} was approved",
        [member.email],
    ) in subjects
    assert (
        f"[PAM Console] Break-glass: {member.email} opened {account.name}",
        sorted([admin.email, auditor.email]),
    ) in subjects


def test_grant_ending_in_ten_minutes_is_told_once(world, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    _, admin, member, _, account = world
    request = requests.request_create(actor=member, account=account, reason="x", seconds=900)
    requests.request_review(actor=admin, request=request, approve=True)
    mail.outbox.clear()
    request.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        assert requests.grants_ending_notify(now=request.grant_ends_at - timedelta(minutes=11)) == 0
        assert requests.grants_ending_notify(now=request.grant_ends_at - timedelta(minutes=9)) == 1
        assert requests.grants_ending_notify(now=request.grant_ends_at - timedelta(minutes=8)) == 0
    assert [m.subject for m in mail.outbox] == [
        f"[PAM Console] Your grant for {account.name} ends in 9 minutes"
    ]
    assert timezone.now()  # (the clock is passed in, not frozen)


def test_slack_gets_the_message_and_the_url_stays_secret(
    world, key, client, django_capture_on_commit_callbacks, caplog
):
    project, admin, member, _, account = world
    services.slack_webhook_set(actor=admin, project=project, url=WEBHOOK)
    stored = SlackChannel.objects.get()
    assert WEBHOOK not in stored.webhook_encrypted and stored.webhook_hint == "cret"
    assert WEBHOOK not in json.dumps(list(AuditEvent.objects.values("detail", "target")))
    client.force_login(admin)
    page = client.get(reverse("resources:members", args=[project.slug])).content.decode()
    assert "ending …cret" in page and WEBHOOK not in page

    with respx.mock(assert_all_called=True) as slack:
        route = slack.post(WEBHOOK).respond(200, text="ok")
        with django_capture_on_commit_callbacks(execute=True):
            requests.request_create(actor=member, account=account, reason="fix", seconds=900)
    body = json.loads(route.calls.last.request.content)
    assert body["text"].startswith(f"*Review needed: {member.email} asks for {account.name}*")
    assert set(Notification.objects.values_list("channel", "status")) == {
        ("email", "sent"),
        ("slack", "sent"),
    }
    assert WEBHOOK not in caplog.text


def test_a_failing_channel_never_fails_the_change_and_is_retried_then_failed(
    world, key, django_capture_on_commit_callbacks
):
    project, admin, member, _, account = world
    services.slack_webhook_set(actor=admin, project=project, url=WEBHOOK)
    with respx.mock() as slack:
        slack.post(WEBHOOK).mock(side_effect=httpx.ConnectTimeout("slow"))
        with django_capture_on_commit_callbacks(execute=True):
            request = requests.request_create(
                actor=member, account=account, reason="x", seconds=900
            )
        assert request.status == "pending"  # the request stands
        slack_row = Notification.objects.get(channel="slack")
        assert (slack_row.status, slack_row.attempts) == ("queued", 1)
        delivery.deliver_queued()
        delivery.deliver_queued()
    slack_row.refresh_from_db()
    assert (slack_row.status, slack_row.attempts) == ("failed", 3)
    assert "ConnectTimeout" in slack_row.last_error and WEBHOOK not in slack_row.last_error
    assert AuditEvent.objects.filter(action=AuditAction.NOTIFICATION_FAILED).count() == 3


@pytest.mark.parametrize(
    "url", ["https://example.com/hook", "http://hooks.slack.com/services/x", ""]
)
def test_a_webhook_that_is_not_slacks_is_refused(world, key, url):
    project, admin, *_ = world
    with pytest.raises(ValidationError, match="as Slack shows it"):
        services.slack_webhook_set(actor=admin, project=project, url=url)
    assert not SlackChannel.objects.exists()


def test_without_an_encryption_key_no_webhook_is_stored(world, settings):
    settings.PAM_ENCRYPTION_KEY = ""
    project, admin, *_ = world
    with pytest.raises(ValidationError, match="PAM_ENCRYPTION_KEY"):
        services.slack_webhook_set(actor=admin, project=project, url=WEBHOOK)


def test_only_admins_set_the_webhook(world, key):
    project, _, member, *_ = world
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.slack_webhook_set(actor=member, project=project, url=WEBHOOK)
    assert Account.objects.exists()


def test_the_owner_of_a_revoked_session_is_told(
    client, revocable_world, django_capture_on_commit_callbacks
):
    from accounts.revocation import session_revoke
    from sessions_audit.models import AccessSession

    world = revocable_world
    client.force_login(world.member)
    client.post(reverse("accounts:access", args=[world.project.slug, world.account.pk]))
    admin = MembershipFactory(project=world.project, role=Membership.Role.ADMIN).user
    with django_capture_on_commit_callbacks(execute=True):
        session_revoke(actor=admin, session=AccessSession.objects.get(), reason="Lost laptop")
    (message,) = mail.outbox
    assert message.to == [world.member.email]
    assert "Lost laptop" in message.body and "/me/sessions/" in message.body
