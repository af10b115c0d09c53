import json

import pytest

from pamsite.aws.arns import InvalidRoleArn
from pamsite.aws.policies import (
    policy_json,
    resource_policies,
    resource_role_permissions_policy,
    resource_role_trust_policy,
    target_role_trust_policy,
)

EXTERNAL_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"
BRIDGE = "arn:aws:iam::123456789012:role/PamBridge"
TARGETS = ["arn:aws:iam::123456789012:role/ReadOnly", "arn:aws:iam::123456789012:role/Admin"]


def _statement(document: dict) -> dict:
    (statement,) = document["Statement"]
    return statement


def test_resource_role_trust_allows_the_platform_account_root():
    statement = _statement(
        resource_role_trust_policy(platform_account_id="111111111111", external_id=EXTERNAL_ID)
    )

    assert statement["Principal"] == {"AWS": "arn:aws:iam::111111111111:root"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Effect"] == "Allow"


def test_resource_role_trust_requires_the_external_id():
    statement = _statement(
        resource_role_trust_policy(platform_account_id="111111111111", external_id=EXTERNAL_ID)
    )

    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}


def test_resource_role_trust_in_govcloud_names_the_govcloud_partition():
    statement = _statement(
        resource_role_trust_policy(
            platform_account_id="111111111111", external_id=EXTERNAL_ID, partition="aws-us-gov"
        )
    )

    assert statement["Principal"] == {"AWS": "arn:aws-us-gov:iam::111111111111:root"}


def test_permissions_list_the_target_roles_sorted():
    statement = _statement(
        resource_role_permissions_policy(resource_role_arn=BRIDGE, target_role_arns=TARGETS)
    )

    assert statement["Resource"] == sorted(TARGETS)
    assert statement["Action"] == "sts:AssumeRole"


def test_permissions_with_one_target_name_it_alone():
    statement = _statement(
        resource_role_permissions_policy(resource_role_arn=BRIDGE, target_role_arns=TARGETS[:1])
    )

    assert statement["Resource"] == TARGETS[0]


def test_a_stored_wildcard_target_never_widens_the_permissions():
    wildcards = ["arn:aws:iam::123456789012:role/Admin*", "arn:aws:iam::123456789012:role/*"]
    statement = _statement(
        resource_role_permissions_policy(
            resource_role_arn=BRIDGE, target_role_arns=[*wildcards, TARGETS[0]]
        )
    )

    assert statement["Resource"] == TARGETS[0]


def test_permissions_without_targets_cover_the_account_roles():
    statement = _statement(resource_role_permissions_policy(resource_role_arn=BRIDGE))

    assert statement["Resource"] == "arn:aws:iam::123456789012:role/*"


def test_permissions_without_targets_in_china_use_the_china_partition():
    statement = _statement(
        resource_role_permissions_policy(resource_role_arn="arn:aws-cn:iam::123456789012:role/B")
    )

    assert statement["Resource"] == "arn:aws-cn:iam::123456789012:role/*"


def test_target_role_trust_allows_the_resource_role_with_the_external_id():
    statement = _statement(
        target_role_trust_policy(resource_role_arn=BRIDGE, external_id=EXTERNAL_ID)
    )

    assert statement["Principal"] == {"AWS": BRIDGE}
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}


def test_target_role_trust_refuses_a_non_role_arn():
    with pytest.raises(InvalidRoleArn):
        target_role_trust_policy(
            resource_role_arn="arn:aws:iam::123456789012:user/bob", external_id=EXTERNAL_ID
        )


def test_policy_set_uses_the_resource_role_partition_for_the_trust():
    policies = resource_policies(
        resource_role_arn="arn:aws-cn:iam::123456789012:role/B",
        external_id=EXTERNAL_ID,
        platform_account_id="111111111111",
    )

    assert _statement(policies.resource_role_trust)["Principal"] == {
        "AWS": "arn:aws-cn:iam::111111111111:root"
    }


def test_policy_json_is_pretty_and_round_trips():
    policies = resource_policies(
        resource_role_arn=BRIDGE, external_id=EXTERNAL_ID, platform_account_id="111111111111",
        target_role_arns=TARGETS,
    )  # fmt: skip

    assert json.loads(policies.target_role_trust_json) == policies.target_role_trust
    assert policies.resource_role_permissions_json == policy_json(
        policies.resource_role_permissions
    )
    assert "\n  " in policies.resource_role_trust_json
