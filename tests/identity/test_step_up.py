"""Step-up before Access: an Account that asks for a sign-in within N minutes sends anyone
whose last one is older to sign in again (at the identity provider, with the authenticator
code, or the password), and the session records that it was stepped up.

Signing in goes through allauth's real views and, for single sign-on, through the local OIDC
provider (tests.identity.fixtures); AWS is moto (tests.aws.fixtures)."""

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from identity import stepup
from resources.models import Membership
from sessions_audit.models import AccessSession, AuditEvent
from tests.aws.fixtures import SIGNIN_URL
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def _urls(world):
    kwargs = {"slug": world.project.slug, "pk": world.account.pk}
    return reverse("accounts:access", kwargs=kwargs), reverse("accounts:step_up", kwargs=kwargs)


def _ask_for_step_up(world, minutes=15):
    world.account.step_up_minutes = minutes
    world.account.save(update_fields=["step_up_minutes"])


def _age_note(client, method: str, seconds: int) -> None:
    """As if the sign-in noted for `method` happened `seconds` earlier (no clock to freeze:
    allauth's signals stamp the real time)."""
    session = client.session
    notes = session[stepup.SESSION_KEY]
    notes[method] -= seconds
    session[stepup.SESSION_KEY] = notes
    session.save()


def _password_sign_in(client, user):
    response = client.post(reverse("login"), {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]


def test_an_account_without_step_up_opens_whatever_the_last_sign_in(client, access_world):
    client.force_login(access_world.member)  # no sign-in noted at all
    access_url, _ = _urls(access_world)
    response = client.post(access_url)
    assert response["Location"].startswith(SIGNIN_URL)
    session = AccessSession.objects.get()
    assert session.step_up_method == "" and session.stepped_up_at is None


def test_a_fresh_password_sign_in_opens_a_step_up_account_and_is_recorded(client, access_world):
    _ask_for_step_up(access_world)
    _password_sign_in(client, access_world.member)
    access_url, _ = _urls(access_world)
    response = client.post(access_url)
    assert response["Location"].startswith(SIGNIN_URL)
    session = AccessSession.objects.get()
    assert session.status == "active"
    assert session.step_up_method == "password"
    assert abs(session.stepped_up_at.timestamp() - time.time()) < 60


def test_an_old_sign_in_is_sent_to_sign_in_again_and_nothing_reaches_aws(client, access_world):
    _ask_for_step_up(access_world, minutes=15)
    _password_sign_in(client, access_world.member)
    _age_note(client, "password", 16 * 60)
    access_url, step_up_url = _urls(access_world)

    response = client.post(access_url)

    assert response.status_code == 302 and response["Location"] == step_up_url
    assert not AccessSession.objects.exists()  # a refusal: nothing written, nothing sent
    assert access_world.federation.call_count == 0
    page = client.get(step_up_url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "asks for a sign-in within the last 15 minutes" in text
    assert "Your last sign-in with your password was" in text
    reauth = page.context["reauth_url"]
    assert reauth.startswith(reverse("account_reauthenticate"))
    assert parse_qs(urlsplit(reauth).query)["next"] == [step_up_url]

    # A wrong password is refused by allauth's page; the right one comes back here.
    wrong = client.post(reauth, {"password": "not-it"})
    assert wrong.status_code == 200
    assert client.post(access_url)["Location"] == step_up_url
    right = client.post(reauth, {"password": PASSWORD})
    assert right.status_code == 302 and right["Location"] == step_up_url
    ready = client.get(step_up_url)
    assert ready.context["fresh"] is True
    assert b"Open the console" in ready.content
    opened = client.post(access_url)
    assert opened["Location"].startswith(SIGNIN_URL)
    assert AccessSession.objects.get().step_up_method == "password"


def test_a_force_login_without_any_sign_in_is_asked_to_step_up(client, access_world):
    _ask_for_step_up(access_world)
    client.force_login(access_world.member)
    access_url, step_up_url = _urls(access_world)
    assert client.post(access_url)["Location"] == step_up_url
    assert (
        b"This web session has no sign-in with your password yet" in client.get(step_up_url).content
    )


def _code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_with_an_authenticator_the_password_alone_does_not_step_up(client, access_world):
    _ask_for_step_up(access_world)
    user = access_world.member
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    client.post(reverse("login"), {"login": user.username, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": _code(secret)})
    assert client.session["_auth_user_id"] == str(user.pk)
    _age_note(client, "mfa", 20 * 60)
    access_url, step_up_url = _urls(access_world)
    assert client.post(access_url)["Location"] == step_up_url

    # The password again is not enough for someone who has a second factor.
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.post(access_url)["Location"] == step_up_url

    page = client.get(step_up_url)
    assert page.context["reauth_url"].startswith(reverse("mfa_reauthenticate"))
    done = client.post(page.context["reauth_url"], {"code": _code(secret)})
    if done.status_code == 200:  # the code of this window was used at sign-in: wait for the next
        time.sleep(30 - time.time() % 30 + 1)
        done = client.post(page.context["reauth_url"], {"code": _code(secret)})
    assert done.status_code == 302 and done["Location"] == step_up_url
    assert client.post(access_url)["Location"].startswith(SIGNIN_URL)
    assert AccessSession.objects.get().step_up_method == "mfa"


def test_an_auditor_gets_no_step_up_page(client, access_world):
    _ask_for_step_up(access_world)
    auditor = MembershipFactory(project=access_world.project, role=Membership.Role.AUDITOR).user
    client.force_login(auditor)
    _, step_up_url = _urls(access_world)
    assert client.get(step_up_url).status_code == 403


def test_a_non_member_gets_404_from_the_step_up_page(client, access_world):
    client.force_login(MembershipFactory().user)
    _, step_up_url = _urls(access_world)
    assert client.get(step_up_url).status_code == 404


def test_the_service_refuses_without_a_fresh_sign_in_whatever_the_view(access_world):
    """Checked again in the service: a caller that forgets the sign-in gets a refusal."""
    from accounts.access import StepUpRequired, account_access

    _ask_for_step_up(access_world)
    with pytest.raises(StepUpRequired):
        account_access(
            user=access_world.member, account=access_world.account, source_ip=None, user_agent=""
        )
    assert not AccessSession.objects.exists()


def test_sso_sign_in_again_asks_the_provider_for_a_new_login(client, access_world, provider):
    _ask_for_step_up(access_world, minutes=10)
    user = access_world.member
    # Someone who signed in through SSO an hour ago (the provider says so in auth_time).
    provider.sign_in(
        client,
        "ssoer",
        email="ssoer@corp.example",
        email_verified=True,
        auth_time=int(time.time()) - 3600,
    )
    signed_in = client.session["_auth_user_id"]
    assert signed_in  # a new user for that identity, made a member below
    sso_user = type(user).objects.get(pk=signed_in)
    MembershipFactory(project=access_world.project, user=sso_user, role=Membership.Role.MEMBER)
    access_url, step_up_url = _urls(access_world)
    assert client.post(access_url)["Location"] == step_up_url

    page = client.get(step_up_url)
    assert page.context["method"] == "sso"
    action = re.search(r'<form method="post" action="(/sso/[^"]+)"', page.content.decode())[1]
    action = action.replace("&amp;", "&")

    # The provider answers with the same old sign-in: not good enough, back to this page.
    provider.sign_in(client, "ssoer", start_url=action)
    asked = parse_qs(urlsplit(provider.last_authorize_url).query)
    assert asked["prompt"] == ["login"] and asked["max_age"] == ["600"]
    assert client.post(access_url)["Location"] == step_up_url

    # A real new sign-in at the provider (auth_time now): the console opens, stepped up.
    back = provider.sign_in(
        client,
        "ssoer",
        start_url=action,
        email="ssoer@corp.example",
        email_verified=True,
        auth_time=int(time.time()),
    )
    assert back["Location"] == step_up_url
    assert client.get(step_up_url).context["fresh"] is True
    assert client.post(access_url)["Location"].startswith(SIGNIN_URL)
    session = AccessSession.objects.get()
    assert session.user == sso_user and session.step_up_method == "sso"


def test_an_sso_sign_in_without_auth_time_counts_from_when_it_came_back(
    client, access_world, provider
):
    _ask_for_step_up(access_world)
    provider.sign_in(client, "plain", email="plain@corp.example", email_verified=True)
    sso_user = type(access_world.member).objects.get(pk=client.session["_auth_user_id"])
    MembershipFactory(project=access_world.project, user=sso_user, role=Membership.Role.MEMBER)
    access_url, _ = _urls(access_world)
    assert client.post(access_url)["Location"].startswith(SIGNIN_URL)
    assert AccessSession.objects.get().step_up_method == "sso"


@pytest.mark.parametrize("value", [0, 481, -5])
def test_the_form_refuses_minutes_out_of_range_and_saves_nothing(client, access_world, value):
    admin = MembershipFactory(project=access_world.project, role=Membership.Role.ADMIN).user
    client.force_login(admin)
    account = access_world.account
    url = reverse("accounts:edit", kwargs={"slug": access_world.project.slug, "pk": account.pk})
    response = client.post(
        url,
        {
            "name": account.name,
            "target_role_arn": account.target_role_arn,
            "session_duration": "15m",
            "step_up_minutes": str(value),
        },
    )
    assert response.status_code == 200
    assert "from 1 to 480 (8 hours)" in response.context["form"].errors["step_up_minutes"][0]
    account.refresh_from_db()
    assert account.step_up_minutes is None


def test_setting_step_up_is_audited_with_the_old_value(access_world):
    admin = MembershipFactory(project=access_world.project, role=Membership.Role.ADMIN).user
    account = access_world.account
    fields = services.account_fields(account)
    services.account_update(actor=admin, account=account, **{**fields, "step_up_minutes": 30})
    event = AuditEvent.objects.filter(action="account.update").latest("created_at")
    assert event.detail["step_up_minutes"] == 30
    assert event.detail["old"] == {"step_up_minutes": None}
    account.refresh_from_db()
    assert account.step_up_minutes == 30
    with pytest.raises(ValidationError):
        services.account_update(actor=admin, account=account, **{**fields, "step_up_minutes": 0})
