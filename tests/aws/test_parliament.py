"""Every IAM policy document the product generates, linted by parliament (duo-labs): the
trust and permissions policies an admin pastes, with every opt-in, in every partition, and
the deny policies revocation writes."""

import itertools
import json
from datetime import UTC, datetime

import parliament
import pytest

from pamsite.aws import policies, revocation

EXTERNAL_ID = "5b0e1c8e-3f0a-4a57-9a0e-0c6f1f7b9d21"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
# parliament reads every statement as an identity policy, which must name a Resource; a role's
# trust policy names a Principal instead. That one finding is expected on trust policies only.
TRUST_POLICY_NO_RESOURCE = "Statement contains neither Resource nor NotResource"


def _findings(document: dict, *, trust: bool = False) -> list[tuple[str, str]]:
    found = parliament.analyze_policy_string(json.dumps(document)).findings
    return [
        (finding.issue, str(finding.detail))
        for finding in found
        if not (
            trust and finding.issue == "MALFORMED" and finding.detail == TRUST_POLICY_NO_RESOURCE
        )
    ]


def _documents():
    for partition, opt_ins in itertools.product(
        ("aws", "aws-us-gov", "aws-cn"), itertools.product((False, True), repeat=3)
    ):
        revocation_on, source_identity, session_tags = opt_ins
        bridge = f"arn:{partition}:iam::123456789012:role/PamBridge"
        targets = [f"arn:{partition}:iam::123456789012:role/ReadOnly"] if opt_ins[0] else []
        sets = policies.resource_policies(
            resource_role_arn=bridge,
            external_id=EXTERNAL_ID,
            platform_account_id="111111111111",
            target_role_arns=targets,
            revocation=revocation_on,
            source_identity=source_identity,
            session_tags=session_tags,
        )
        name = f"{partition}-{'-'.join(str(int(x)) for x in opt_ins)}"
        yield f"{name}-resource-trust", sets.resource_role_trust, True
        yield f"{name}-resource-permissions", sets.resource_role_permissions, False
        yield f"{name}-target-trust", sets.target_role_trust, True
    yield (
        "revoke-one",
        revocation.one_session_document(
            assumed_role_id="AROAEXAMPLEEXAMPLE01:alice@example.com",
            issued_at=NOW,
            revoked_at=NOW,
        ),
        False,
    )
    yield (
        "revoke-one-tagged",
        revocation.one_session_document(
            assumed_role_id="AROAEXAMPLEEXAMPLE01:alice@example.com",
            issued_at=NOW,
            revoked_at=NOW,
            session_id="5b7c0d0e-0000-4000-8000-000000000000",
        ),
        False,
    )
    yield "revoke-older", revocation.older_sessions_document(before=NOW), False
    yield (
        "permissions-with-cloudtrail",
        policies.resource_role_permissions_policy(
            resource_role_arn="arn:aws:iam::123456789012:role/PamBridge",
            target_role_arns=["arn:aws:iam::123456789012:role/ReadOnly"],
            cloudtrail=True,
        ),
        False,
    )


DOCUMENTS = list(_documents())


@pytest.mark.parametrize(
    ("document", "trust"), [(d, t) for _, d, t in DOCUMENTS], ids=[n for n, *_ in DOCUMENTS]
)
def test_parliament_finds_nothing(document, trust):
    assert _findings(document, trust=trust) == []


def test_the_lint_is_not_vacuous():
    """parliament does flag a bad document: an unknown action and a malformed condition."""
    bad = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Action": "iam:PutRolePolicyy",
                "Resource": "*",
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": "yesterday"}},
            }
        ],
    }
    assert _findings(bad) != []


def test_revocation_is_granted_on_the_named_roles_only_never_role_star():
    bridge = "arn:aws:iam::123456789012:role/PamBridge"
    none_yet = policies.resource_role_permissions_policy(resource_role_arn=bridge, revocation=True)
    assert [s["Sid"] for s in none_yet["Statement"]] == ["PamResourceRoleAssumesTargetRoles"]
    named = policies.resource_role_permissions_policy(
        resource_role_arn=bridge,
        target_role_arns=["arn:aws:iam::123456789012:role/ReadOnly"],
        revocation=True,
    )
    assert named["Statement"][1] == {
        "Sid": "PamResourceRoleRevokesSessions",
        "Effect": "Allow",
        "Action": [
            "iam:DeleteRolePolicy",
            "iam:GetRolePolicy",
            "iam:ListRolePolicies",
            "iam:PutRolePolicy",
        ],
        "Resource": "arn:aws:iam::123456789012:role/ReadOnly",
    }
