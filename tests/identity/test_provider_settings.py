"""SSO providers from the environment: every mistake stops the start with its variable named."""

import environ
import pytest
from django.core.exceptions import ImproperlyConfigured

from pamsite.oidc import providers_from_env

FULL = {
    "PAM_OIDC_PROVIDERS": "okta, entra-id",
    "PAM_OIDC_OKTA_ISSUER": "https://example.okta.com/oauth2/default",
    "PAM_OIDC_OKTA_CLIENT_ID": "client-1",
    "PAM_OIDC_OKTA_CLIENT_SECRET": "secret-1",
    "PAM_OIDC_OKTA_NAME": "Okta",
    "PAM_OIDC_OKTA_SCOPES": "openid profile email groups",
    "PAM_OIDC_ENTRA_ID_ISSUER": "https://login.microsoftonline.com/t/v2.0",
    "PAM_OIDC_ENTRA_ID_CLIENT_ID": "client-2",
    "PAM_OIDC_ENTRA_ID_CLIENT_SECRET": "secret-2",
    "PAM_OIDC_ENTRA_ID_TRUST_EMAIL": "true",
}


def _apps(monkeypatch, values):
    for key in [k for k in __import__("os").environ if k.startswith("PAM_OIDC_")]:
        monkeypatch.delenv(key)
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return providers_from_env(environ.Env())


def test_providers_come_in_order_with_their_settings(monkeypatch):
    okta, entra = _apps(monkeypatch, FULL)
    assert (okta["provider_id"], okta["name"], okta["client_id"]) == ("okta", "Okta", "client-1")
    assert okta["settings"]["scope"] == ["openid", "profile", "email", "groups"]
    assert okta["settings"]["oauth_pkce_enabled"] is True
    assert (okta["settings"]["groups_claim"], okta["settings"]["trust_email"]) == ("groups", False)
    assert (entra["name"], entra["settings"]["trust_email"]) == ("entra-id", True)


def test_no_providers_is_no_sso(monkeypatch):
    assert _apps(monkeypatch, {}) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"PAM_OIDC_OKTA_CLIENT_SECRET": ""}, "PAM_OIDC_OKTA_CLIENT_SECRET must be set"),
        ({"PAM_OIDC_OKTA_ISSUER": "http://idp.example"}, "must be an https:// URL"),
        ({"PAM_OIDC_PROVIDERS": "Okta!"}, "is not a provider id"),
    ],
)
def test_a_bad_provider_setting_names_the_variable(monkeypatch, change, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        _apps(monkeypatch, {**FULL, **change})
