"""A second factor (TOTP) for local passwords: asked at sign-in, required by a setting."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.urls import reverse

from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def _code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _password_sign_in(client, user):
    return client.post(reverse("login"), {"login": user.username, "password": PASSWORD})


def test_a_user_with_an_authenticator_is_asked_for_the_code(client):
    user = UserFactory(username="tess")
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    response = _password_sign_in(client, user)
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # not signed in by the password alone
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    right = client.post(reverse("mfa_authenticate"), {"code": _code(secret)})
    assert right.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize(
    ("required", "role", "staff", "forced"),
    [
        ("admins", "admin", False, True),
        ("admins", "member", True, True),
        ("admins", "member", False, False),
        ("everyone", "member", False, True),
        ("off", "admin", True, False),
    ],
)
def test_the_setting_sends_who_it_names_to_set_up_a_second_factor(
    client, settings, required, role, staff, forced
):
    settings.PAM_MFA_REQUIRED = required
    user = MembershipFactory(role=role, user=UserFactory(is_staff=staff)).user
    assert _password_sign_in(client, user).status_code == 302
    response = client.get(reverse("home"))
    sent = response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    assert sent is forced


def test_a_required_second_factor_is_set_up_on_its_page_and_then_lets_them_in(client, settings):
    settings.PAM_MFA_REQUIRED = "everyone"
    user = UserFactory(username="uma")
    _password_sign_in(client, user)
    # Adding a factor asks for the password once more (allauth's reauthentication): a stolen
    # session alone cannot enrol the thief's authenticator.
    asked = client.get(reverse("mfa_activate_totp"))
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    done = client.post(reverse("mfa_activate_totp"), {"code": _code(secret)})
    assert done.status_code == 302
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    assert client.get(reverse("home")).status_code == 200  # no project yet: the list


def test_sso_sign_ins_rely_on_the_providers_factor(client, settings, provider):
    settings.PAM_MFA_REQUIRED = "everyone"
    provider.sign_in(client, "vic-sub", email="vic@corp.example", email_verified=True)
    assert client.get(reverse("home")).status_code == 200
