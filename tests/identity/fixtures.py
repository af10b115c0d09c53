"""A real OpenID Connect provider on loopback (oidc-provider-mock), and the steps of signing in
through it with Django's test client: no function of the flow is mocked."""

from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest
from django.urls import reverse
from oidc_provider_mock import run_server_in_thread

PROVIDER_ID = "corp"
PROVIDER_NAME = "Corp SSO"


@pytest.fixture(scope="session")
def oidc_server():
    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@dataclass
class Provider:
    issuer: str
    last_authorize_url: str = ""

    def set_user(self, sub: str, **claims) -> None:
        httpx.put(f"{self.issuer}/users/{sub}", json=claims).raise_for_status()

    def sign_in(self, client, sub: str, *, start_url: str = "", **claims):
        """The whole redirect flow: start at this site (the provider's login URL, or the
        `start_url` a page's form posts to), authorize at the provider as `sub`, come back to
        the callback. Returns the callback's response; `last_authorize_url` keeps what was
        asked of the provider."""
        if claims:
            self.set_user(sub, **claims)
        start = client.post(start_url or reverse("openid_connect_login", args=[PROVIDER_ID]))
        assert start.status_code == 302, start.content[:500]
        authorize = start["Location"]
        self.last_authorize_url = authorize
        assert authorize.startswith(self.issuer), authorize
        decision = httpx.post(authorize, data={"sub": sub})
        assert decision.status_code == 302, decision.text[:500]
        callback = urlsplit(decision.headers["location"])
        return client.get(f"{callback.path}?{callback.query}")


@pytest.fixture
def provider(oidc_server, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": PROVIDER_ID,
                    "name": PROVIDER_NAME,
                    "client_id": "pam-console",
                    "secret": "pam-console-secret",
                    "settings": {
                        "server_url": oidc_server,
                        "oauth_pkce_enabled": True,
                        "scope": ["openid", "profile", "email"],
                        "groups_claim": "groups",
                    },
                }
            ]
        }
    }
    return Provider(issuer=oidc_server)
