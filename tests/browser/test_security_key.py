"""A security key (WebAuthn, allauth.mfa) as the second factor of a local password, in
chromium with a virtual authenticator (Chrome DevTools' WebAuthn domain): added after typing
the password again, then asked for at the next sign-in; the CSP lets allauth's scripts run."""

import re

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_script_or_csp_errors
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"


def _password(page, base, user):
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_a_security_key_is_added_and_then_asked_for(site, page, settings, shot):
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True  # the live server is http://localhost
    user = UserFactory(username="kim", email="kim@example.com")
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    base = site.url
    _password(page, base, user)
    expect(page).not_to_have_url(re.compile(r"/login/"))

    page.goto(f"{base}/auth/mfa/webauthn/add/")
    page.get_by_label("Password").fill(PASSWORD)  # adding a key asks for the password again
    page.get_by_role("button", name=re.compile("Confirm|Reauthenticate", re.I)).click()
    expect(page).to_have_url(re.compile(r"/auth/mfa/webauthn/add/"))
    page.get_by_label("Name").fill("YubiKey")
    shot(page, "security-key-add")
    page.get_by_role("button", name="Add").click()
    expect(page).not_to_have_url(re.compile(r"/webauthn/add/"))
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN).exists()

    page.get_by_role("button", name="Sign out").click()
    _password(page, base, user)
    expect(page).to_have_url(re.compile(r"/auth/mfa/authenticate/"))
    shot(page, "security-key-asked")
    page.get_by_role("button", name="Use a security key").click()
    expect(page).not_to_have_url(re.compile(r"/auth/mfa/"))
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert_no_script_or_csp_errors(page)
