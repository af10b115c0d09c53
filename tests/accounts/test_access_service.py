"""account_access: authorization, the chain, the token, the URL and the session row."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts import access
from accounts.access import account_access
from pamsite.aws.errors import AwsError
from resources.models import Membership
from resources.permissions import NotAMember
from sessions_audit.models import AccessSession
from tests.aws.fixtures import SIGNIN_TOKEN, SIGNIN_URL, count_assume_role_calls
from tests.factories import AccountFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _access(world, user=None, **overrides):
    arguments = {
        "user": user or world.member,
        "account": world.account,
        "source_ip": "203.0.113.7",
        "user_agent": "Mozilla/5.0 (test)",
    }
    return account_access(**{**arguments, **overrides})


def test_success_returns_a_login_url_with_the_token(access_world):
    result = _access(access_world)

    query = parse_qs(urlsplit(result.login_url).query)
    assert result.ok
    assert result.login_url.startswith(SIGNIN_URL + "?")
    assert query["Action"] == ["login"]
    assert query["SigninToken"] == [SIGNIN_TOKEN]


def test_login_url_issuer_is_this_site(access_world, settings):
    settings.PAM_ISSUER_URL = "https://pam.example.com/"

    result = _access(access_world)

    assert parse_qs(urlsplit(result.login_url).query)["Issuer"] == ["https://pam.example.com/"]


def test_success_records_an_active_session(access_world):
    result = _access(access_world)

    session = AccessSession.objects.get()
    email = access_world.member.email
    assert session == result.session
    assert session.status == AccessSession.Status.ACTIVE
    assert session.assumed_role_arn == f"arn:aws:sts::123456789012:assumed-role/ReadOnly/{email}"
    assert session.assumed_role_id.endswith(f":{email}")
    assert session.role_session_name == email
    assert session.duration_seconds == 900


def test_session_expiry_comes_from_sts(access_world):
    _access(access_world)

    left = AccessSession.objects.get().expires_at - timezone.now()
    assert timedelta(minutes=14) < left <= timedelta(minutes=15)


def test_session_keeps_snapshots_and_the_client(access_world):
    _access(access_world, user_agent="x" * 600)

    session = AccessSession.objects.get()
    assert (session.project_name, session.resource_name, session.account_name) == (
        access_world.project.name,
        access_world.resource.name,
        access_world.account.name,
    )
    assert session.target_role_arn == access_world.account.target_role_arn
    assert session.source_ip == "203.0.113.7"
    assert session.user_agent == "x" * 512


def test_an_unparseable_source_ip_is_not_stored(access_world):
    _access(access_world, source_ip="not-an-ip")

    assert AccessSession.objects.get().source_ip is None


def test_admins_may_access(access_world):
    admin = MembershipFactory(project=access_world.project, role=Membership.Role.ADMIN).user

    assert _access(access_world, user=admin).ok


def test_auditor_is_refused_and_nothing_is_written_or_called(access_world):
    auditor = MembershipFactory(project=access_world.project, role=Membership.Role.AUDITOR).user
    calls = count_assume_role_calls()

    with pytest.raises(PermissionDenied):
        _access(access_world, user=auditor)

    assert (AccessSession.objects.count(), calls, access_world.federation.call_count) == (0, [], 0)


def test_non_member_gets_404_and_nothing_is_written_or_called(access_world):
    stranger = UserFactory()
    calls = count_assume_role_calls()

    with pytest.raises(NotAMember):
        _access(access_world, user=stranger)

    assert (AccessSession.objects.count(), calls, access_world.federation.call_count) == (0, [], 0)


def test_member_of_another_project_gets_404(access_world):
    other = MembershipFactory(role=Membership.Role.ADMIN).user

    with pytest.raises(NotAMember):
        _access(access_world, user=other)


def test_user_without_email_is_refused(access_world):
    access_world.member.email = ""
    access_world.member.save()

    with pytest.raises(PermissionDenied):
        _access(access_world)


def test_wrong_external_id_records_a_failed_session(access_world):
    # An account under a resource of another project: that project's UUID is the External ID,
    # which the Resource Role's trust policy does not accept.
    other = AccountFactory(target_role_arn=access_world.account.target_role_arn)
    other.resource.resource_role_arn = access_world.resource.resource_role_arn
    other.resource.save()
    member = MembershipFactory(project=other.resource.project).user

    result = account_access(user=member, account=other, source_ip="", user_agent="")

    session = AccessSession.objects.get()
    assert not result.ok
    assert (session.status, session.failure_code) == (AccessSession.Status.FAILED, "AccessDenied")
    assert session.failure_message == result.error.hint
    assert session.expires_at is None
    assert access_world.federation.call_count == 0


def test_federation_failure_records_a_failed_session(access_world):
    access_world.federation.respond(status_code=500)

    result = _access(access_world)

    session = AccessSession.objects.get()
    assert result.error.code == "FederationUnavailable"
    assert (session.status, session.failure_code) == ("failed", "FederationUnavailable")
    assert result.login_url == ""


def test_unexpected_error_records_a_failed_session(access_world, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("Credentials")

    monkeypatch.setattr(access, "get_signin_token", broken)

    result = _access(access_world)

    assert (result.error.code, AccessSession.objects.get().failure_code) == (
        "InternalError",
        "InternalError",
    )


def test_no_login_url_without_a_session_row(access_world, monkeypatch):
    def failing_record(**kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(access, "access_session_record_active", failing_record)

    with pytest.raises(RuntimeError):
        _access(access_world)


def test_cold_access_makes_three_round_trips(access_world):
    calls = count_assume_role_calls()

    _access(access_world)

    assert (len(calls), access_world.federation.call_count) == (2, 1)


def test_warm_access_makes_two_round_trips(access_world):
    _access(access_world)
    calls = count_assume_role_calls()

    _access(access_world)

    assert (len(calls), access_world.federation.call_count) == (1, 2)


def test_edited_resource_does_not_reuse_the_bridge(access_world):
    _access(access_world)
    access_world.resource.description = "edited"
    access_world.resource.save()
    calls = count_assume_role_calls()

    _access(access_world)

    assert len(calls) == 2


def test_aws_error_is_carried_in_the_result(access_world):
    access_world.federation.respond(status_code=500)

    result = _access(access_world)

    assert isinstance(result.error, AwsError) and result.error.retryable
