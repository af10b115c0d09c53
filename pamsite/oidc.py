"""Single sign-on providers read from the environment, as django-allauth's openid_connect
apps. The protocol itself (discovery, PKCE, the ID token's signature and claims) is allauth's.

    PAM_OIDC_PROVIDERS=okta,entra            ids, in the order the sign-in page shows them
    PAM_OIDC_OKTA_ISSUER=https://example.okta.com/oauth2/default
    PAM_OIDC_OKTA_CLIENT_ID=...
    PAM_OIDC_OKTA_CLIENT_SECRET=...
    PAM_OIDC_OKTA_NAME=Okta                  "Sign in with Okta"; default: the id
    PAM_OIDC_OKTA_SCOPES=openid profile email groups   default: openid profile email
    PAM_OIDC_OKTA_GROUPS_CLAIM=groups        the claim that lists the person's groups
    PAM_OIDC_ENTRA_TRUST_EMAIL=true          the provider sends no email_verified, and every
                                             email it sends is one the organisation controls
"""

import re

from django.core.exceptions import ImproperlyConfigured

_PROVIDER_ID = re.compile(r"[a-z][a-z0-9-]{0,39}")
DEFAULT_SCOPES = "openid profile email"


def providers_from_env(env) -> list[dict]:
    """The allauth APPS entries for every provider PAM_OIDC_PROVIDERS names; a provider with
    a missing setting stops the start with a message naming the variable."""
    apps = []
    for provider_id in [p.strip() for p in env.list("PAM_OIDC_PROVIDERS", default=[])]:
        if not provider_id:
            continue
        if not _PROVIDER_ID.fullmatch(provider_id):
            raise ImproperlyConfigured(
                f"PAM_OIDC_PROVIDERS: {provider_id!r} is not a provider id; use lowercase "
                "letters, digits and hyphens, starting with a letter (e.g. okta, entra)."
            )
        prefix = f"PAM_OIDC_{provider_id.upper().replace('-', '_')}_"

        def required(name: str, prefix=prefix) -> str:
            value = env(prefix + name, default="").strip()
            if not value:
                raise ImproperlyConfigured(f"{prefix}{name} must be set for SSO provider.")
            return value

        issuer = required("ISSUER")
        if not issuer.startswith(("https://", "http://localhost", "http://127.0.0.1")):
            raise ImproperlyConfigured(f"{prefix}ISSUER must be an https:// URL.")
        apps.append(
            {
                "provider_id": provider_id,
                "name": env(prefix + "NAME", default="").strip() or provider_id,
                "client_id": required("CLIENT_ID"),
                "secret": required("CLIENT_SECRET"),
                "settings": {
                    "server_url": issuer,
                    "oauth_pkce_enabled": True,
                    "scope": env(prefix + "SCOPES", default=DEFAULT_SCOPES).split(),
                    "groups_claim": env(prefix + "GROUPS_CLAIM", default="groups").strip(),
                    "trust_email": env.bool(prefix + "TRUST_EMAIL", default=False),
                },
            }
        )
    return apps
