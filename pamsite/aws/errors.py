"""AWS failures as a code and a hint an admin can act on.

Nothing here includes a credential: messages come from AWS error bodies (which never echo
secrets) and from ARNs.
"""

from dataclasses import dataclass
from enum import StrEnum

from botocore import exceptions as bce

HOP_BRIDGE = "resource_role"
HOP_TARGET = "target_role"
HOP_FEDERATION = "federation"

_THROTTLING = {
    "Throttling",
    "ThrottlingException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
    "SlowDown",
}
_PLATFORM_CREDENTIALS = {
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "IncompleteSignature",
}


class Fault(StrEnum):
    """What kind of failure an AwsError is, for callers that answer it (a page, a retry)
    without knowing AWS's codes."""

    REFUSED = "refused"  # AWS answered and said no: trust policy, permissions, a bad value
    THROTTLED = "throttled"  # AWS asked us to slow down
    TIMEOUT = "timeout"  # AWS did not answer in time
    UNREACHABLE = "unreachable"  # no connection to AWS (network, proxy, DNS)
    UNAVAILABLE = "unavailable"  # AWS answered with an internal error of its own
    BAD_REPLY = "bad_reply"  # AWS's answer was not what its API promises
    PLATFORM = "platform"  # the server's own AWS identity is missing or refused


class AwsError(Exception):
    """A failed AWS step. `code` is AWS's error code (or ours where AWS gave none), `hint`
    tells an admin what to check, `retryable` says whether trying again may help, `fault`
    what kind of failure it is and `hop` where in the chain it happened."""

    def __init__(
        self,
        code: str,
        hint: str,
        *,
        message: str = "",
        hop: str = "",
        retryable: bool = False,
        fault: Fault = Fault.REFUSED,
    ):
        super().__init__(f"{code}: {message or hint}")
        self.code = code
        self.hint = hint
        self.message = message
        self.hop = hop
        self.retryable = retryable
        self.fault = fault


@dataclass(frozen=True)
class HopContext:
    hop: str
    role_arn: str
    caller: str  # who is assuming: "the platform identity" or the Resource Role ARN
    external_id: str
    duration: int | None = None


def from_botocore(exc: Exception, ctx: HopContext) -> AwsError:
    """Map a botocore exception raised at one hop of the chain to an AwsError."""
    if isinstance(exc, bce.ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code") or "Unknown"
        message = error.get("Message") or ""
        return _client_error(code, message, ctx)
    if isinstance(exc, bce.NoCredentialsError | bce.PartialCredentialsError):
        return AwsError(
            "NoCredentials",
            "The server has no AWS credentials of its own. Set AWS_PROFILE, AWS_ACCESS_KEY_ID/"
            "AWS_SECRET_ACCESS_KEY, or run it with an instance or task role.",
            hop=ctx.hop,
            fault=Fault.PLATFORM,
        )
    if isinstance(exc, bce.ConnectTimeoutError | bce.ReadTimeoutError):
        return AwsError(
            "Timeout",
            "AWS STS did not answer in time. Try again; if it persists, check the "
            "server's network path to STS.",
            message=str(exc),
            hop=ctx.hop,
            retryable=True,
            fault=Fault.TIMEOUT,
        )
    if isinstance(exc, bce.EndpointConnectionError | bce.ConnectionError):
        return AwsError(
            "EndpointConnectionError",
            "The server could not reach AWS STS. Check its network and proxy settings.",
            message=str(exc),
            hop=ctx.hop,
            retryable=True,
            fault=Fault.UNREACHABLE,
        )
    return AwsError(
        "AwsClientError",
        "An unexpected error happened talking to AWS.",
        message=type(exc).__name__,
        hop=ctx.hop,
        fault=Fault.BAD_REPLY,
    )


def _client_error(code: str, message: str, ctx: HopContext) -> AwsError:
    opt_in = next((a for a in ("sts:SetSourceIdentity", "sts:TagSession") if a in message), "")
    if code == "AccessDenied" and opt_in:
        hint = (
            f"The Resource has SourceIdentity or session tags on, and AWS refused {opt_in} on "
            f"{ctx.role_arn}: add {opt_in} next to sts:AssumeRole in the target role's trust "
            "policy and in the Resource Role's permissions (the Resource's page shows both), or "
            "turn the opt-in off."
        )
        return AwsError(code, hint, message=message, hop=ctx.hop)
    if code == "AccessDenied":
        if ctx.hop == HOP_BRIDGE:
            hint = (
                f"The platform could not assume the Resource Role {ctx.role_arn}. Check that the "
                "role exists and that its trust policy allows the platform account with the "
                f"condition sts:ExternalId = {ctx.external_id}."
            )
        else:
            hint = (
                f"The Resource Role {ctx.caller} could not assume the target role {ctx.role_arn}. "
                "Check that the target role exists, that its trust policy allows the Resource "
                f"Role with sts:ExternalId = {ctx.external_id}, and that the Resource Role's "
                "permissions policy allows sts:AssumeRole on the target role."
            )
        return AwsError(code, hint, message=message, hop=ctx.hop)
    if code == "ValidationError" and "role chaining" in message:
        return AwsError(
            "RoleChainingLimit",
            "Access chains two roles, and AWS limits chained sessions to 1 hour. Set the "
            "account's session duration to 1h or less.",
            message=message,
            hop=ctx.hop,
        )
    if code == "ValidationError" and "MaxSessionDuration" in message:
        return AwsError(
            "MaxSessionDurationExceeded",
            f"The session duration is longer than the Maximum session duration of {ctx.role_arn}. "
            "Raise the role's maximum session duration in IAM, or shorten the account's "
            "session duration.",
            message=message,
            hop=ctx.hop,
        )
    if code in _THROTTLING:
        return AwsError(
            code,
            "AWS throttled the request. Try again in a few seconds.",
            message=message,
            hop=ctx.hop,
            retryable=True,
            fault=Fault.THROTTLED,
        )
    if code in _PLATFORM_CREDENTIALS:
        return AwsError(
            code,
            "The server's own AWS credentials were refused (invalid or expired). Renew the "
            "platform identity's credentials; nothing is wrong with the project's roles.",
            message=message,
            hop=ctx.hop,
            fault=Fault.PLATFORM,
        )
    if code == "RegionDisabledException":
        return AwsError(
            code,
            "STS is not activated in this region for the account. Activate it in IAM "
            "account settings, or set AWS_REGION to an active region.",
            message=message,
            hop=ctx.hop,
        )
    return AwsError(
        code, "AWS refused the request: " + (message or code), message=message, hop=ctx.hop
    )
