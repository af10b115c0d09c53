"""The IAM policy documents an admin puts in their AWS account, for one project and resource.

Three documents make the chain work:

- the Resource Role's trust policy: the platform account may assume it, only with the project's
  External ID;
- the Resource Role's permissions policy: it may assume the project's target roles;
- each Target Role's trust policy: the Resource Role may assume it, with the same External ID.

Pure functions over ARNs and ids: no AWS call here (the platform account id comes from
identity.platform_account_id).
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass

from pamsite.aws.arns import InvalidRoleArn, parse_role_arn

VERSION = "2012-10-17"


def resource_role_trust_policy(
    *, platform_account_id: str, external_id: str, partition: str = "aws"
) -> dict:
    """Trust policy of the Resource Role: the platform's account, with the External ID.

    The principal is the account root, so the platform identity can be an IAM user, a role or a
    profile in that account; the account's own IAM policies then decide which of its principals
    may call sts:AssumeRole. The External ID is what stops another tenant of the platform from
    reaching this role (confused deputy).
    """
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "PamPlatformAssumesResourceRole",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{platform_account_id}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
            }
        ],
    }


def _one_role(arn: str):
    try:
        return parse_role_arn(arn or "")
    except InvalidRoleArn:
        return None


# What the opt-ins of a Resource add (resources.models.Resource): SourceIdentity and session
# tags on hop 2 need these actions next to sts:AssumeRole, in the target role's trust policy and
# (hop 2 is role chaining) in the Resource Role's permissions.
SOURCE_IDENTITY_ACTION = "sts:SetSourceIdentity"
TAG_SESSION_ACTION = "sts:TagSession"
# Revocation: the Resource Role writes and removes deny policies on the target roles. Only on
# the roles it lists, never role/*: iam:PutRolePolicy can widen a role as well as deny it.
REVOCATION_ACTIONS = [
    "iam:DeleteRolePolicy",
    "iam:GetRolePolicy",
    "iam:ListRolePolicies",
    "iam:PutRolePolicy",
]


def _assume_actions(*, source_identity: bool, session_tags: bool):
    actions = ["sts:AssumeRole"]
    if source_identity:
        actions.append(SOURCE_IDENTITY_ACTION)
    if session_tags:
        actions.append(TAG_SESSION_ACTION)
    return actions[0] if len(actions) == 1 else actions


def resource_role_permissions_policy(
    *,
    resource_role_arn: str,
    target_role_arns: Iterable[str] = (),
    revocation: bool = False,
    source_identity: bool = False,
    session_tags: bool = False,
    cloudtrail: bool = False,
) -> dict:
    """Permissions policy of the Resource Role: sts:AssumeRole on the target roles.

    Lists the given target role ARNs, each one role: one that is not a role ARN (a wildcard
    stored before wildcards were refused) is left out, never widened. With none yet, every role
    of the Resource Role's account (``arn:<partition>:iam::<account>:role/*``), the one
    wildcard, which the page says to narrow once the accounts exist.
    """
    targets = sorted({str(role) for role in map(_one_role, target_role_arns) if role})
    resources = targets
    if not resources:
        role = parse_role_arn(resource_role_arn)
        resources = [f"arn:{role.partition}:iam::{role.account_id}:role/*"]
    statements = [
        {
            "Sid": "PamResourceRoleAssumesTargetRoles",
            "Effect": "Allow",
            "Action": _assume_actions(source_identity=source_identity, session_tags=session_tags),
            "Resource": resources[0] if len(resources) == 1 else resources,
        }
    ]
    if revocation and targets:
        # Named roles only: with no account yet there is nothing to revoke, and role/* here
        # would let the Resource Role rewrite any role of the account.
        statements.append(
            {
                "Sid": "PamResourceRoleRevokesSessions",
                "Effect": "Allow",
                "Action": REVOCATION_ACTIONS,
                "Resource": targets[0] if len(targets) == 1 else targets,
            }
        )
    if cloudtrail:
        # LookupEvents has no resource-level permissions: "*" is the only Resource it takes.
        statements.append(
            {
                "Sid": "PamResourceRoleReadsCloudTrail",
                "Effect": "Allow",
                "Action": "cloudtrail:LookupEvents",
                "Resource": "*",
            }
        )
    return {"Version": VERSION, "Statement": statements}


def target_role_trust_policy(
    *,
    resource_role_arn: str,
    external_id: str,
    source_identity: bool = False,
    session_tags: bool = False,
) -> dict:
    """Trust policy of a Target Role: the Resource Role, with the same External ID (and, where
    the Resource opts in, setting a SourceIdentity and session tags)."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "PamResourceRoleAssumesThisRole",
                "Effect": "Allow",
                "Principal": {"AWS": str(parse_role_arn(resource_role_arn))},
                "Action": _assume_actions(
                    source_identity=source_identity, session_tags=session_tags
                ),
                "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
            }
        ],
    }


def policy_json(document: dict) -> str:
    """Pretty JSON as an admin pastes it into the IAM console."""
    return json.dumps(document, indent=2)


@dataclass(frozen=True)
class PolicySet:
    """The three documents for one resource, as dicts; `*_json` give them pretty-printed."""

    resource_role_trust: dict
    resource_role_permissions: dict
    target_role_trust: dict

    @property
    def resource_role_trust_json(self) -> str:
        return policy_json(self.resource_role_trust)

    @property
    def resource_role_permissions_json(self) -> str:
        return policy_json(self.resource_role_permissions)

    @property
    def target_role_trust_json(self) -> str:
        return policy_json(self.target_role_trust)


def resource_policies(
    *,
    resource_role_arn: str,
    external_id: str,
    platform_account_id: str,
    target_role_arns: Iterable[str] = (),
    revocation: bool = False,
    source_identity: bool = False,
    session_tags: bool = False,
    cloudtrail: bool = False,
) -> PolicySet:
    """All three documents for a project (its UUID is `external_id`) and one resource, with
    the statements its opt-ins need."""
    partition = parse_role_arn(resource_role_arn).partition
    return PolicySet(
        resource_role_trust=resource_role_trust_policy(
            platform_account_id=platform_account_id, external_id=external_id, partition=partition
        ),
        resource_role_permissions=resource_role_permissions_policy(
            resource_role_arn=resource_role_arn,
            target_role_arns=target_role_arns,
            revocation=revocation,
            source_identity=source_identity,
            session_tags=session_tags,
            cloudtrail=cloudtrail,
        ),
        target_role_trust=target_role_trust_policy(
            resource_role_arn=resource_role_arn,
            external_id=external_id,
            source_identity=source_identity,
            session_tags=session_tags,
        ),
    )
