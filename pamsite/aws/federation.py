"""Console sign-in through the AWS federation endpoint.

The session credentials go in a POST form body, never a URL. No SessionDuration is sent:
AWS rejects it for credentials from role chaining, and the console session then lasts as long
as the credentials. The login URL is a bearer secret for 15 minutes: callers redirect to it and
must never store or log it.
"""

import json
import re
import threading
from urllib.parse import urlencode

import httpx

from pamsite.aws.chain import Credentials
from pamsite.aws.errors import HOP_FEDERATION, AwsError, Fault
from pamsite.aws.partitions import console_url, signin_base_url

TIMEOUT = httpx.Timeout(5.0, connect=3.0)
_lock = threading.Lock()
_client: httpx.Client | None = None


def http_client() -> httpx.Client:
    """One pooled HTTP client per process: keep-alive saves a TLS handshake per click."""
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                _client = httpx.Client(timeout=TIMEOUT, follow_redirects=False)
    return _client


def federation_url(partition: str, region: str | None = None, endpoint: str = "") -> str:
    """The federation endpoint: `endpoint` when set (sandbox, tests), else the partition's."""
    return endpoint or signin_base_url(partition, region)


def get_signin_token(credentials: Credentials, *, url: str) -> str:
    """Trade temporary credentials for a sign-in token (Action=getSigninToken, POST)."""
    session = json.dumps(
        {
            "sessionId": credentials.access_key_id,
            "sessionKey": credentials.secret_access_key,
            "sessionToken": credentials.session_token,
        }
    )
    try:
        response = http_client().post(url, data={"Action": "getSigninToken", "Session": session})
    except httpx.TimeoutException:
        raise AwsError(
            "FederationTimeout",
            "The AWS sign-in endpoint did not answer in time. Try again.",
            hop=HOP_FEDERATION,
            retryable=True,
            fault=Fault.TIMEOUT,
        ) from None
    except httpx.HTTPError as exc:
        raise AwsError(
            "FederationUnreachable",
            "The server could not reach the AWS sign-in endpoint. "
            "Check its network and proxy settings.",
            message=type(exc).__name__,
            hop=HOP_FEDERATION,
            retryable=True,
            fault=Fault.UNREACHABLE,
        ) from None
    if response.status_code >= 500:
        raise AwsError(
            "FederationUnavailable",
            "The AWS sign-in endpoint had an internal error "
            f"(HTTP {response.status_code}). Try again in a moment.",
            hop=HOP_FEDERATION,
            retryable=True,
            fault=Fault.UNAVAILABLE,
        )
    if response.status_code != 200:
        secrets = (
            credentials.access_key_id,
            credentials.secret_access_key,
            credentials.session_token,
        )
        excerpt = reply_excerpt(response.text, secrets=secrets)
        raise AwsError(
            "FederationRejected",
            "The AWS sign-in endpoint refused the session credentials "
            f"(HTTP {response.status_code}; no SessionDuration was sent). It answered: "
            f"{excerpt or '(an empty reply)'}",
            hop=HOP_FEDERATION,
        )
    try:
        token = response.json().get("SigninToken")
    except (ValueError, AttributeError):
        raise AwsError(
            "FederationInvalidResponse",
            "The AWS sign-in endpoint answered with something "
            "that is not JSON. Check PAM_FEDERATION_ENDPOINT or any proxy in between.",
            hop=HOP_FEDERATION,
            fault=Fault.BAD_REPLY,
        ) from None
    if not token or not isinstance(token, str):
        raise AwsError(
            "FederationMissingToken",
            "The AWS sign-in endpoint answered without a sign-in "
            "token. Try again; if it persists, check PAM_FEDERATION_ENDPOINT.",
            hop=HOP_FEDERATION,
            fault=Fault.BAD_REPLY,
        )
    return token


EXCERPT_MAX = 200
# Runs of token-like characters long enough to be a key, a token or a signature.
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9+/=_%-]{32,}")


def reply_excerpt(text: str, *, secrets: tuple[str, ...] = ()) -> str:
    """A short, printable excerpt of what an endpoint answered, for a hint a person reads and
    a session row keeps: whitespace folded, anything token-like and the given secrets
    replaced by [redacted], cut to EXCERPT_MAX characters."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    text = _TOKEN_LIKE.sub("[redacted]", text)
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return text if len(text) <= EXCERPT_MAX else text[: EXCERPT_MAX - 1] + "…"


def login_url(
    *,
    signin_token: str,
    url: str,
    issuer: str,
    partition: str,
    region: str | None = None,
    destination: str = "",
) -> str:
    """The URL that signs the browser in: Action=login with Issuer, Destination (the given
    console page, else the partition's console home), SigninToken."""
    query = urlencode(
        {
            "Action": "login",
            "Issuer": issuer,
            "Destination": destination or console_url(partition, region),
            "SigninToken": signin_token,
        }
    )
    return f"{url}?{query}"
