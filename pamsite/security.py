"""Response headers and limits that protect every page."""

import logging
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponseBadRequest

logger = logging.getLogger(__name__)

# Access answers with a redirect to the partition's sign-in host; a CSP form-action also
# governs where a form submission may be redirected, so those hosts must be allowed.
SIGNIN_ORIGINS = (
    "https://signin.aws.amazon.com",
    "https://*.signin.aws.amazon.com",
    "https://signin.amazonaws-us-gov.com",
    "https://signin.amazonaws.cn",
)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _sso_origins() -> list[str]:
    """The identity providers a "Sign in with ..." form redirects to (settings.SOCIALACCOUNT_
    PROVIDERS, from PAM_OIDC_*): form-action governs that redirect too."""
    apps = getattr(settings, "SOCIALACCOUNT_PROVIDERS", {}).get("openid_connect", {})
    return [
        origin
        for app in apps.get("APPS", [])
        if (origin := _origin(app.get("settings", {}).get("server_url", "")))
    ]


def content_security_policy() -> str:
    form_action = ["'self'", *SIGNIN_ORIGINS, *_sso_origins()]
    if extra := _origin(settings.PAM_FEDERATION_ENDPOINT):
        form_action.append(extra)
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action " + " ".join(form_action),
        ]
    )


class SecurityHeadersMiddleware:
    """Content-Security-Policy with no inline script, on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Built per response (a few string joins): it follows the settings as they are.
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response


class RefuseNulMiddleware:
    """400 for a NUL byte in the path, a query parameter or a cookie, before any view runs:
    PostgreSQL refuses to store or compare text with NUL, so such a value would otherwise end
    as a 500 wherever it reaches a query (Django admin's autocomplete, a filter, a session)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        values = [request.path]
        for key, items in request.GET.lists():
            values += [key, *items]
        for key, value in request.COOKIES.items():
            values += [key, value]
        if any("\x00" in value for value in values):
            logger.warning(
                "Refused a request with a NUL byte: %s", request.path.replace("\x00", "")
            )
            return HttpResponseBadRequest(
                "Bad request: the address or a cookie contains a NUL byte.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


def rate_limit_exceeded(*, key: str, limit: int, window_seconds: int = 60) -> bool:
    """Count one hit on `key` in the current window; True when over `limit`.

    Uses the shared cache (Redis in production, so the limit holds across workers). If the
    cache is unreachable the limit is not enforced and a warning is logged: an outage of
    Redis must not lock everyone out of the console.
    """
    if limit <= 0:
        return False
    bucket = f"ratelimit:{key}:{int(time.time() // window_seconds)}"
    try:
        cache.add(bucket, 0, timeout=window_seconds + 5)
        count = cache.incr(bucket)
    except Exception:  # noqa: BLE001 - any cache backend error means "cannot count"
        logger.warning("rate limit not enforced: cache unavailable for %s", key.split(":")[0])
        return False
    return count > limit
