"""Checks behind a Resource's and an Account's validation status.

A Resource is valid when the platform can assume its Resource Role with the External ID; if
the role may then read itself (iam:GetRole), its trust policy is linted as well. An Account is
valid when the whole chain to its target role works with the account's session duration.
Both raise AwsError (code, hint, retryable) when AWS refuses; nothing here knows of Django.
"""

import threading
from dataclasses import dataclass, field

import botocore.exceptions
import botocore.session

from pamsite.aws import chain, clients, lint, revocation
from pamsite.aws.arns import parse_role_arn
from pamsite.aws.errors import AwsError
from pamsite.aws.partitions import region_in_partition

# What CloudTrail shows for the platform's validation calls into a customer's target role.
VALIDATION_SESSION_NAME = "pam-validation"

_lock = threading.Lock()
_session: botocore.session.Session | None = None


@dataclass(frozen=True)
class ResourceCheck:
    """A Resource Role that could be assumed, and what the trust-policy lint found (warnings
    and notes as JSON-ready dicts)."""

    assumed_role_arn: str
    findings: list[dict] = field(default_factory=list)

    @property
    def warnings(self) -> list[dict]:
        return [f for f in self.findings if f.get("level") == "warning"]


@dataclass(frozen=True)
class TargetCheck:
    """A target role reached through the Resource Role with the account's duration (and
    whether revocation is ready there, when the Resource asked for it)."""

    assumed_role_arn: str
    findings: list[dict] = field(default_factory=list)


def _iam_session() -> botocore.session.Session:
    # Its own botocore session: IAM clients are made with explicit credentials only.
    global _session
    with _lock:
        if _session is None:
            _session = botocore.session.get_session()
        return _session


def _iam_client(credentials: chain.Credentials, partition: str):
    session = _iam_session()
    with _lock:
        return session.create_client(
            "iam",
            region_name=region_in_partition(partition, None),
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token,
            config=clients.CLIENT_CONFIG,
        )


def resource_role_check(
    *, resource_role_arn: str, external_id: str, region: str | None, platform_account_id: str = ""
) -> ResourceCheck:
    """Assume the Resource Role with the External ID (hop 1), then lint its trust policy when
    the role may read itself. Raises AwsError when the role cannot be assumed."""
    bridge = chain.assume_bridge(
        resource_role_arn=resource_role_arn, external_id=external_id, region=region
    )
    findings = trust_policy_findings(
        credentials=bridge.credentials,
        resource_role_arn=resource_role_arn,
        external_id=external_id,
        platform_account_id=platform_account_id,
    )
    return ResourceCheck(
        assumed_role_arn=bridge.assumed_role_arn, findings=[f.as_dict() for f in findings]
    )


def trust_policy_findings(
    *,
    credentials: chain.Credentials,
    resource_role_arn: str,
    external_id: str,
    platform_account_id: str = "",
) -> list[lint.Finding]:
    """iam:GetRole on the Resource Role with its own session, then lint the trust policy.

    Reading the role is optional: a role without iam:GetRole on itself gets a note, never a
    failure, and so does any other error reading it.
    """
    arn = parse_role_arn(resource_role_arn)
    try:
        role = _iam_client(credentials, arn.partition).get_role(RoleName=arn.name)["Role"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        code = (
            exc.response.get("Error", {}).get("Code", "")
            if isinstance(exc, botocore.exceptions.ClientError)
            else type(exc).__name__
        )
        if code in ("AccessDenied", "AccessDeniedException"):
            message = (
                "The trust policy was not checked: the Resource Role may not read itself "
                "(iam:GetRole). Allow it to get the lint."
            )
        else:
            message = f"The trust policy was not checked: reading the role failed ({code})."
        return [
            lint.Finding(
                "TrustPolicyNotChecked",
                message,
                fix=(
                    "Add to the Resource Role's permissions: "
                    f'{{"Effect": "Allow", "Action": "iam:GetRole", "Resource": "{arn}"}}'
                ),
                level="note",
            )
        ]
    return lint.lint_trust_policy(
        role.get("AssumeRolePolicyDocument") or {},
        external_id=external_id,
        platform_account_id=platform_account_id,
        partition=arn.partition,
    )


def target_role_check(
    *,
    resource_role_arn: str,
    target_role_arn: str,
    external_id: str,
    duration: int,
    region: str | None,
    extras: chain.Hop2Extras | None = None,
    revocation: bool = False,
    cloudtrail: bool = False,
) -> TargetCheck:
    """Both hops as an Access click makes them, with the account's duration, the session
    name "pam-validation" and the Resource's SourceIdentity and tags (`extras`): a trust
    policy without sts:SetSourceIdentity or sts:TagSession fails here as it would on a click.
    Raises AwsError (hop says which one failed). With `revocation`, whether the Resource Role
    may manage the target role's inline policies (iam:ListRolePolicies, read-only) is reported
    as a finding: "revocation ready", or AWS's error."""
    bridge = chain.assume_bridge(
        resource_role_arn=resource_role_arn, external_id=external_id, region=region
    )
    target = chain.assume_target(
        bridge=bridge,
        resource_role_arn=resource_role_arn,
        target_role_arn=target_role_arn,
        external_id=external_id,
        session_name=VALIDATION_SESSION_NAME,
        duration=duration,
        region=region,
        extras=extras,
    )
    findings = []
    if revocation:
        findings.append(_revocation_readiness(bridge.credentials, target_role_arn).as_dict())
    if cloudtrail:
        findings.append(_cloudtrail_readiness(bridge.credentials, target_role_arn).as_dict())
    return TargetCheck(assumed_role_arn=target.assumed_role_arn, findings=findings)


def _cloudtrail_readiness(credentials: chain.Credentials, target_role_arn: str) -> lint.Finding:
    """One LookupEvents call (a single result) with the Resource Role's session."""
    arn = parse_role_arn(target_role_arn)
    region = region_in_partition(arn.partition, None)
    try:
        clients.botocore_session().create_client(
            "cloudtrail",
            region_name=region,
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token,
            config=clients.CLIENT_CONFIG,
        ).lookup_events(MaxResults=1)
    except botocore.exceptions.ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("AccessDeniedException", "AccessDenied"):
            return lint.Finding(
                "ConsoleActivityNotReady",
                f"Console activity cannot be read: CloudTrail answered {code} to the Resource "
                "Role.",
                fix='Add {"Effect": "Allow", "Action": "cloudtrail:LookupEvents", '
                '"Resource": "*"} to its permissions policy.',
            )
        return lint.Finding(
            "ConsoleActivityNotChecked",
            f"Console activity was not checked: CloudTrail answered {code or 'an error'}.",
            level="note",
        )
    except Exception as exc:  # noqa: BLE001 - a check, never a failed validation
        return lint.Finding(
            "ConsoleActivityNotChecked",
            f"Console activity was not checked ({type(exc).__name__}).",
            level="note",
        )
    return lint.Finding(
        "ConsoleActivityReady",
        f"Console activity ready: the Resource Role may read CloudTrail in {region}.",
        level="note",
    )


def _revocation_readiness(credentials: chain.Credentials, target_role_arn: str) -> lint.Finding:
    try:
        revocation.names(credentials, role_arn=target_role_arn)
    except AwsError as exc:
        return lint.Finding(
            "RevocationNotReady",
            f"Revocation is not ready on {target_role_arn}: {exc.code}. {exc.hint}",
            fix="Add the revocation statement shown on the Resource's page to the Resource "
            "Role's permissions policy.",
        )
    return lint.Finding(
        "RevocationReady",
        f"Revocation ready: the Resource Role may manage {target_role_arn}'s inline policies.",
        level="note",
    )
