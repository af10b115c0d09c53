"""Taking live console sessions back: the deny policy written on exactly the session's target
role (moto, IAM authentication on), the session record, the audit trail, the person's own page,
revoking every session of an account, revoking when access goes away, and the cleanup.

moto stores inline policies but evaluates none of their conditions: what is checked here is
the exact document written, where, and what the app records (tests/aws/test_policy_lint.py
lints the documents)."""

import json
from datetime import timedelta

import pytest
from botocore.stub import Stubber
from django.urls import reverse
from django.utils import timezone
from moto.iam.models import iam_backends

from accounts import revocation
from accounts.models import RevocationPolicy
from pamsite.aws import revocation as iam_deny
from pamsite.aws.errors import AwsError
from resources.models import Membership
from resources.projects import membership_remove, membership_set
from resources.users import user_changes_record, user_values
from sessions_audit.models import AccessSession, AuditAction, AuditEvent
from tests.aws.fixtures import MOTO_ACCOUNT
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
ROLE = "ReadOnly"


def _iam():
    return iam_backends[MOTO_ACCOUNT]["aws"]


def _policies(role=ROLE) -> dict:
    return {
        name: json.loads(_iam().get_role_policy(role, name)[1])
        for name in _iam().list_role_policies(role)
    }


def _open(client, world, user=None):
    client.force_login(user or world.member)
    url = reverse("accounts:access", kwargs={"slug": world.project.slug, "pk": world.account.pk})
    assert client.post(url).status_code == 302
    return AccessSession.objects.filter(user=user or world.member).latest("created_at")


@pytest.fixture
def admin(revocable_world):
    return MembershipFactory(project=revocable_world.project, role=Membership.Role.ADMIN).user


def test_an_admin_revokes_one_session_and_only_that_one(client, revocable_world, admin):
    world = revocable_world
    session = _open(client, world)
    other = MembershipFactory(project=world.project, role=Membership.Role.MEMBER).user
    others = _open(client, world, user=other)
    client.force_login(admin)
    url = reverse("accounts:session_revoke", kwargs={"slug": world.project.slug, "pk": session.pk})

    page = client.post(url, {"reason": "Laptop stolen"}, follow=True)

    assert b"Session revoked (1 session). AWS applies it within a few minutes" in page.content
    name = f"PamRevoke-{session.pk}"
    written = _policies()
    assert list(written) == [name]  # on exactly that target role, nothing else
    statement = written[name]["Statement"][0]
    assert statement["Effect"] == "Deny" and statement["Action"] == "*"
    assert statement["Condition"]["StringEquals"] == {"aws:userid": session.assumed_role_id}
    issued = session.expires_at - timedelta(seconds=session.duration_seconds)
    window = statement["Condition"]
    assert window["DateGreaterThan"]["aws:TokenIssueTime"] == (
        (issued - timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    assert len(written[name]["Statement"]) == 1  # untagged: no pam-session statement
    session.refresh_from_db()
    assert (session.status, session.revoked_by, session.revoke_reason) == (
        "revoked",
        admin,
        "Laptop stolen",
    )
    assert session.revocation_policy == name
    others.refresh_from_db()
    assert others.status == "active"
    event = AuditEvent.objects.get(action=AuditAction.SESSION_REVOKE)
    assert event.detail["assumed_role_id"] == session.assumed_role_id
    assert event.detail["reason"] == "Laptop stolen"
    kept = RevocationPolicy.objects.get()
    assert kept.policy_name == name and kept.deleted_at is None
    assert kept.delete_after > timezone.now() + timedelta(hours=1)

    # The session page says so; so does the person's own page.
    detail = client.get(reverse("sessions_audit:detail", args=[world.project.slug, session.pk]))
    assert b"Laptop stolen" in detail.content and b"eventually consistent" in detail.content
    client.force_login(world.member)
    mine = client.get(reverse("sessions_audit:mine")).content.decode()
    assert f"by {admin.email}: Laptop stolen" in mine


def test_a_tagged_session_is_also_denied_by_its_tag():
    document = iam_deny.one_session_document(
        assumed_role_id="AROAEXAMPLE:alice@example.com",
        issued_at=timezone.now(),
        revoked_at=timezone.now(),
        session_id="5b7c0d0e-0000-4000-8000-000000000000",
    )
    assert document["Statement"][1] == {
        "Sid": "PamRevokeSessionTag",
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {
            "StringEquals": {"aws:PrincipalTag/pam-session": "5b7c0d0e-0000-4000-8000-000000000000"}
        },
    }


@pytest.mark.parametrize("reason", ["", "   "])
def test_no_reason_no_revocation(client, revocable_world, admin, reason):
    session = _open(client, revocable_world)
    client.force_login(admin)
    url = reverse(
        "accounts:session_revoke", kwargs={"slug": revocable_world.project.slug, "pk": session.pk}
    )
    page = client.post(url, {"reason": reason}, follow=True)
    assert b"Not revoked: Say why" in page.content
    assert _policies() == {}
    session.refresh_from_db()
    assert session.status == "active"


def test_with_revocation_off_the_page_says_how_to_turn_it_on(client, access_world):
    session = _open(client, access_world)
    admin = MembershipFactory(project=access_world.project, role=Membership.Role.ADMIN).user
    with pytest.raises(Exception, match="Revocation is off for Resource"):
        revocation.session_revoke(actor=admin, session=session, reason="x")
    client.force_login(admin)
    detail = client.get(
        reverse("sessions_audit:detail", args=[access_world.project.slug, session.pk])
    )
    assert b"Revocation is off for" in detail.content
    session.refresh_from_db()
    assert session.status == "active"


def test_a_member_or_auditor_cannot_revoke(client, revocable_world):
    session = _open(client, revocable_world)
    auditor = MembershipFactory(project=revocable_world.project, role=Membership.Role.AUDITOR).user
    url = reverse(
        "accounts:session_revoke", kwargs={"slug": revocable_world.project.slug, "pk": session.pk}
    )
    for user in (revocable_world.member, auditor):
        client.force_login(user)
        assert client.post(url, {"reason": "mine"}).status_code == 403
    assert _policies() == {}


def test_an_ended_session_cannot_be_revoked(client, revocable_world, admin):
    session = _open(client, revocable_world)
    AccessSession.objects.filter(pk=session.pk).update(status="expired")
    with pytest.raises(Exception, match="only a live session can be revoked"):
        revocation.session_revoke(actor=admin, session=session, reason="late")
    assert _policies() == {}


def test_revoke_every_session_of_an_account(client, revocable_world, admin):
    world = revocable_world
    first = _open(client, world)
    second = _open(client, world, user=MembershipFactory(project=world.project).user)
    client.force_login(admin)
    url = reverse(
        "accounts:sessions_revoke", kwargs={"slug": world.project.slug, "pk": world.account.pk}
    )

    refused = client.post(url, {"reason": "Incident 42"}, follow=True)  # no confirmation
    assert b"tick the box" in refused.content and _policies() == {}
    done = client.post(url, {"reason": "Incident 42", "confirm": "yes"}, follow=True)

    assert b"revoked (2 sessions)" in done.content
    older = _policies()[iam_deny.OLDER_NAME]
    assert older["Statement"][0]["Effect"] == "Deny"
    assert list(older["Statement"][0]["Condition"]) == ["DateLessThan"]
    assert set(AccessSession.objects.values_list("pk", "status")) == {
        (first.pk, "revoked"),
        (second.pk, "revoked"),
    }
    event = AuditEvent.objects.get(action=AuditAction.ACCOUNT_SESSIONS_REVOKE)
    assert sorted(event.detail["sessions"]) == sorted([str(first.pk), str(second.pk)])


def test_removing_a_member_revokes_their_live_sessions(
    client, revocable_world, admin, django_capture_on_commit_callbacks
):
    world = revocable_world
    session = _open(client, world)
    membership = Membership.objects.get(user=world.member, project=world.project)
    with django_capture_on_commit_callbacks(execute=True):
        membership_remove(actor=admin, membership=membership)
    session.refresh_from_db()
    assert session.status == "revoked"
    assert session.revoke_reason == f"Removed from the project by {admin.email}."
    assert f"PamRevoke-{session.pk}" in _policies()


def test_demoting_to_auditor_revokes_but_promoting_does_not(
    client, revocable_world, admin, django_capture_on_commit_callbacks
):
    world = revocable_world
    session = _open(client, world)
    with django_capture_on_commit_callbacks(execute=True):
        membership_set(actor=admin, project=world.project, email=world.member.email, role="admin")
    session.refresh_from_db()
    assert session.status == "active"
    with django_capture_on_commit_callbacks(execute=True):
        membership_set(actor=admin, project=world.project, email=world.member.email, role="auditor")
    session.refresh_from_db()
    assert session.status == "revoked" and "Role changed to auditor" in session.revoke_reason


def test_deactivating_a_user_revokes_their_sessions(
    client, revocable_world, admin, django_capture_on_commit_callbacks
):
    world = revocable_world
    session = _open(client, world)
    before = user_values(world.member)
    world.member.is_active = False
    world.member.save()
    with django_capture_on_commit_callbacks(execute=True):
        user_changes_record(actor=admin, user=world.member, before=before)
    session.refresh_from_db()
    assert session.status == "revoked" and "User deactivated" in session.revoke_reason


def test_the_cleanup_removes_a_policy_once_no_session_can_match(client, revocable_world, admin):
    session = _open(client, revocable_world)
    revocation.session_revoke(actor=admin, session=session, reason="done")
    kept = RevocationPolicy.objects.get()

    assert revocation.revocations_cleanup(now=kept.delete_after - timedelta(seconds=1)) == 0
    assert list(_policies()) == [kept.policy_name]
    assert revocation.revocations_cleanup(now=kept.delete_after) == 1
    assert _policies() == {}
    kept.refresh_from_db()
    assert kept.deleted_at == kept.delete_after
    event = AuditEvent.objects.get(action=AuditAction.REVOCATION_CLEANUP)
    assert event.detail["already_gone"] is False
    assert revocation.revocations_cleanup(now=kept.delete_after + timedelta(days=1)) == 0


def test_a_policy_already_gone_counts_as_cleaned(client, revocable_world, admin):
    session = _open(client, revocable_world)
    revocation.session_revoke(actor=admin, session=session, reason="done")
    kept = RevocationPolicy.objects.get()
    _iam().delete_role_policy(ROLE, kept.policy_name)  # someone removed it by hand
    assert revocation.revocations_cleanup(now=kept.delete_after) == 1
    event = AuditEvent.objects.get(action=AuditAction.REVOCATION_CLEANUP)
    assert event.detail["already_gone"] is True


@pytest.fixture
def stubbed_iam(monkeypatch):
    """IAM answers with AWS's real error codes (moto cannot produce them)."""
    import botocore.session

    client = botocore.session.get_session().create_client(
        "iam",
        region_name="us-east-1",
        aws_access_key_id="ASIAEXAMPLE",
        aws_secret_access_key="x",
        aws_session_token="y",
    )
    stubber = Stubber(client)
    monkeypatch.setattr(iam_deny, "_iam", lambda credentials, role_arn: client)
    with stubber:
        yield stubber


@pytest.mark.parametrize(
    ("code", "status", "says"),
    [
        ("LimitExceeded", 409, "Revoke every session of the account instead"),
        ("AccessDenied", 403, "add the revocation statement"),
        ("NoSuchEntity", 404, "does not exist (any more)"),
        ("ConcurrentModification", 409, "Try again in a few seconds"),
    ],
)
def test_an_iam_refusal_changes_nothing_and_is_recorded(
    client, revocable_world, admin, stubbed_iam, code, status, says
):
    session = _open(client, revocable_world)
    stubbed_iam.add_client_error(
        "put_role_policy", service_error_code=code, service_message=code, http_status_code=status
    )
    outcome = revocation.session_revoke(actor=admin, session=session, reason="try")
    assert not outcome.ok and outcome.error.code == code and says in outcome.error.hint
    session.refresh_from_db()
    assert session.status == "active"
    assert not RevocationPolicy.objects.exists()
    failed = AuditEvent.objects.get(action=AuditAction.SESSION_REVOKE_FAILED)
    assert failed.detail["code"] == code


def test_the_cleanup_keeps_an_error_and_tries_again(client, revocable_world, admin, stubbed_iam):
    session = _open(client, revocable_world)
    stubbed_iam.add_response("put_role_policy", {})
    revocation.session_revoke(actor=admin, session=session, reason="x")
    kept = RevocationPolicy.objects.get()
    stubbed_iam.add_client_error(
        "delete_role_policy", service_error_code="ConcurrentModification", http_status_code=409
    )
    assert revocation.revocations_cleanup(now=kept.delete_after) == 0
    kept.refresh_from_db()
    assert kept.deleted_at is None and kept.last_error.startswith("ConcurrentModification")
    stubbed_iam.add_client_error(
        "delete_role_policy", service_error_code="NoSuchEntity", http_status_code=404
    )
    assert revocation.revocations_cleanup(now=kept.delete_after) == 1


def test_a_policy_over_the_inline_limit_is_refused_before_aws():
    with pytest.raises(AwsError, match="LimitExceeded") as refused:
        iam_deny.put(
            None,
            role_arn="arn:aws:iam::123456789012:role/R",
            name="PamRevoke-x",
            document={"Statement": ["x" * iam_deny.INLINE_POLICY_LIMIT]},
        )
    assert "no room left" in refused.value.hint
    one = iam_deny.one_session_document(
        assumed_role_id="AROA" + "X" * 17 + ":" + "e" * 64,
        issued_at=timezone.now(),
        revoked_at=timezone.now(),
        session_id="5b7c0d0e-0000-4000-8000-000000000000",
    )
    # Measured: one session's deny, tagged, with the longest session name, is this small, so
    # about 15 of them fit on one role at once.
    assert iam_deny.policy_size(one) < 700


def test_revoking_reuses_the_cached_bridge_session(client, revocable_world, admin):
    """The Access click left a Resource Role session in the bridge cache: taking two sessions
    back makes no new hop 1 (each revoke is one PutRolePolicy)."""
    from tests.aws.fixtures import count_assume_role_calls

    first = _open(client, revocable_world)
    second = _open(client, revocable_world)
    calls = count_assume_role_calls()
    for session in (first, second):
        assert revocation.session_revoke(actor=admin, session=session, reason="x").ok
    assert calls == []
