"""Taking console sessions back: the inline deny policies the Resource Role writes on a target
role, and the IAM calls that write, read and delete them.

A console session cannot be ended in AWS; what can be done is to deny everything its
credentials sign. One session: `PamRevoke-<session id>`, Deny `*` on `*` for requests whose
`aws:userid` is the session's AssumedRoleId and whose `aws:TokenIssueTime` lies in a window
around its issue (the same person's later sessions of that role have the same aws:userid, so
the window is what spares them), plus, for sessions tagged `pam-session`, a statement on that
tag. Every session of a role issued before now: `PamRevokeOlder`, `DateLessThan
aws:TokenIssueTime`, as the IAM console's "Revoke active sessions" does.

IAM is eventually consistent: a deny takes effect within minutes. moto stores these policies
but evaluates none of their conditions, so the documents are checked as JSON (and by
parliament) in the tests, not by their effect.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import botocore.exceptions

from pamsite.aws import clients
from pamsite.aws.arns import parse_role_arn
from pamsite.aws.chain import Credentials
from pamsite.aws.errors import AwsError, Fault
from pamsite.aws.partitions import partition

VERSION = "2012-10-17"
HOP_REVOKE = "revocation"
ONE_PREFIX = "PamRevoke-"
OLDER_NAME = "PamRevokeOlder"
SESSION_TAG = "pam-session"
# A role's inline policies together may hold this many characters, whitespace not counted.
INLINE_POLICY_LIMIT = 10_240
# Around the session's issue: before it (clock and rounding), and after the revoke.
WINDOW_BEFORE = timedelta(seconds=5)
WINDOW_AFTER = timedelta(seconds=5)
# Nothing a deny could match outlives its window's end by more than the chaining cap.
CHAINING_CAP = timedelta(hours=1)
CLEANUP_MARGIN = timedelta(minutes=10)


def _time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def policy_size(document: dict) -> int:
    """The characters IAM counts against the inline-policy quota: the JSON without
    whitespace."""
    return len(json.dumps(document, separators=(",", ":")))


def one_session_policy_name(session_id) -> str:
    return f"{ONE_PREFIX}{session_id}"


def one_session_document(
    *,
    assumed_role_id: str,
    issued_at: datetime,
    revoked_at: datetime,
    session_id=None,
) -> dict:
    """Deny everything the session's credentials sign: by aws:userid in the issue window, and
    by its `pam-session` tag when `session_id` is given (it carries the tag)."""
    statements = [
        {
            "Sid": "PamRevokeSession",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:userid": assumed_role_id},
                "DateGreaterThan": {"aws:TokenIssueTime": _time(issued_at - WINDOW_BEFORE)},
                "DateLessThan": {"aws:TokenIssueTime": _time(revoked_at + WINDOW_AFTER)},
            },
        }
    ]
    if session_id is not None:
        statements.append(
            {
                "Sid": "PamRevokeSessionTag",
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"StringEquals": {f"aws:PrincipalTag/{SESSION_TAG}": str(session_id)}},
            }
        )
    return {"Version": VERSION, "Statement": statements}


def older_sessions_document(*, before: datetime) -> dict:
    """Deny every session of the role issued before `before`."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "PamRevokeOlderSessions",
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": _time(before)}},
            }
        ],
    }


def delete_after(window_end: datetime) -> datetime:
    """When a deny can go: no session it could match is alive any more."""
    return window_end + WINDOW_AFTER + CHAINING_CAP + CLEANUP_MARGIN


@dataclass(frozen=True)
class RolePolicy:
    role_name: str
    name: str


def _iam(credentials: Credentials, role_arn: str):
    """IAM with the bridge session, at the role's partition's IAM endpoint."""
    region = partition(parse_role_arn(role_arn).partition).default_region
    return clients.botocore_session().create_client(
        "iam",
        region_name=region,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        config=clients.CLIENT_CONFIG,
    )


_HINTS = {
    "AccessDenied": (
        "The Resource Role may not write inline policies on {role}: add the revocation "
        "statement (iam:PutRolePolicy, iam:DeleteRolePolicy, iam:GetRolePolicy, "
        "iam:ListRolePolicies on the target role ARNs) to its permissions policy."
    ),
    "LimitExceeded": (
        "{role} has no room left for another inline policy (IAM allows 10,240 characters for "
        "all of a role's inline policies). Revoke every session of the account instead: one "
        "policy covers them all."
    ),
    "NoSuchEntity": "The role {role} does not exist (any more) in AWS.",
    "ConcurrentModification": (
        "Someone changed {role}'s policies at the same moment. Try again in a few seconds."
    ),
    "MalformedPolicyDocument": "AWS refused the deny policy as malformed: {message}",
    "UnmodifiableEntity": (
        "{role} cannot be changed (a service-linked or IAM Identity Center role): sessions of "
        "it cannot be revoked from here."
    ),
}


def _error(exc: Exception, role_arn: str) -> AwsError:
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code") or "Unknown"
        message = error.get("Message") or ""
        template = _HINTS.get(code, "IAM refused the request on {role}: {message}")
        throttled = code in ("Throttling", "ThrottlingException")
        return AwsError(
            code,
            template.format(role=role_arn, message=message or code),
            message=message,
            hop=HOP_REVOKE,
            retryable=throttled or code == "ConcurrentModification",
            fault=Fault.THROTTLED if throttled else Fault.REFUSED,
        )
    if isinstance(
        exc, botocore.exceptions.ConnectTimeoutError | botocore.exceptions.ReadTimeoutError
    ):
        return AwsError(
            "Timeout",
            "AWS IAM did not answer in time. Try again.",
            hop=HOP_REVOKE,
            retryable=True,
            fault=Fault.TIMEOUT,
        )
    return AwsError(
        "IamUnreachable",
        "The server could not reach AWS IAM. Check its network and proxy settings.",
        message=type(exc).__name__,
        hop=HOP_REVOKE,
        retryable=True,
        fault=Fault.UNREACHABLE,
    )


def _call(credentials: Credentials, role_arn: str, method: str, **params):
    try:
        return getattr(_iam(credentials, role_arn), method)(
            RoleName=parse_role_arn(role_arn).name, **params
        )
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        raise _error(exc, role_arn) from None


def put(credentials: Credentials, *, role_arn: str, name: str, document: dict) -> None:
    """Write the inline policy `name` on the role (replacing one of that name). Refuses one
    that alone is over IAM's inline limit before calling AWS."""
    size = policy_size(document)
    if size > INLINE_POLICY_LIMIT:
        raise AwsError(
            "LimitExceeded",
            _HINTS["LimitExceeded"].format(role=role_arn, message=""),
            message=f"{size} characters",
            hop=HOP_REVOKE,
        )
    _call(
        credentials,
        role_arn,
        "put_role_policy",
        PolicyName=name,
        PolicyDocument=json.dumps(document, separators=(",", ":")),
    )


def delete(credentials: Credentials, *, role_arn: str, name: str) -> bool:
    """Delete the inline policy; False when it was already gone (NoSuchEntity: done too)."""
    try:
        _call(credentials, role_arn, "delete_role_policy", PolicyName=name)
    except AwsError as exc:
        if exc.code == "NoSuchEntity":
            return False
        raise
    return True


def names(credentials: Credentials, *, role_arn: str) -> list[str]:
    """The role's inline policy names (all pages)."""
    found: list[str] = []
    marker = None
    while True:
        params = {"Marker": marker} if marker else {}
        page = _call(credentials, role_arn, "list_role_policies", **params)
        found.extend(page.get("PolicyNames", []))
        if not page.get("IsTruncated"):
            return found
        marker = page.get("Marker")


def get(credentials: Credentials, *, role_arn: str, name: str) -> dict:
    document = _call(credentials, role_arn, "get_role_policy", PolicyName=name)["PolicyDocument"]
    return json.loads(document) if isinstance(document, str) else document
