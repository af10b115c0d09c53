"""The chain against moto with IAM authentication on: trust policies and External IDs count."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto.core import disable_iam_authentication, enable_iam_authentication

from pamsite.aws import clients
from pamsite.aws.chain import PLATFORM_SESSION_NAME, chain
from pamsite.aws.errors import HOP_BRIDGE, HOP_TARGET, AwsError
from pamsite.aws.policies import target_role_trust_policy
from tests.aws.fixtures import MOTO_ACCOUNT, build_moto_world, with_moto_principal

EXTERNAL_ID = str(uuid.UUID("7d0c3f5e-8a4b-4c1e-9f2d-1a2b3c4d5e6f"))


@pytest.fixture
def world(aws, monkeypatch):
    world = build_moto_world(monkeypatch, external_id=EXTERNAL_ID)
    with enable_iam_authentication():
        yield world


def _chain(world, **overrides):
    arguments = {
        "resource_role_arn": world.resource_role_arn,
        "target_role_arn": world.target_role_arn,
        "external_id": EXTERNAL_ID,
        "session_name": "alice@example.com",
        "duration": 900,
        "region": "us-east-1",
        "cache": None,
    }
    return chain(**{**arguments, **overrides})


def test_chain_lands_in_the_target_role_as_the_person(world):
    assumed = _chain(world)

    assert assumed.assumed_role_arn == (
        f"arn:aws:sts::{MOTO_ACCOUNT}:assumed-role/ReadOnly/alice@example.com"
    )
    assert assumed.assumed_role_id.endswith(":alice@example.com")


def test_issued_credentials_are_the_target_role_session(world):
    assumed = _chain(world)

    client = clients.sts_client_for(assumed.credentials, "us-east-1")
    identity = client.get_caller_identity()

    assert identity["Arn"] == f"arn:aws:sts::{MOTO_ACCOUNT}:assumed-role/ReadOnly/alice@example.com"


def test_expiry_follows_the_requested_duration(world):
    assumed = _chain(world, duration=1800)

    left = assumed.expires_at - datetime.now(UTC)
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)


def test_wrong_external_id_is_refused_at_hop_1(world):
    with pytest.raises(AwsError) as caught:
        _chain(world, external_id=str(uuid.uuid4()))

    assert caught.value.code == "AccessDenied"
    assert caught.value.hop == HOP_BRIDGE


def test_target_role_trusting_another_external_id_is_refused_at_hop_2(world):
    other = target_role_trust_policy(
        resource_role_arn=world.resource_role_arn, external_id=str(uuid.uuid4())
    )
    bridge_session = f"arn:aws:sts::{MOTO_ACCOUNT}:assumed-role/PamBridge/{PLATFORM_SESSION_NAME}"
    with disable_iam_authentication():
        boto3.client("iam", region_name="us-east-1").update_assume_role_policy(
            RoleName="ReadOnly",
            PolicyDocument=json.dumps(with_moto_principal(other, bridge_session)),
        )

    with pytest.raises(AwsError) as caught:
        _chain(world)

    assert caught.value.code == "AccessDenied"
    assert caught.value.hop == HOP_TARGET
    assert world.resource_role_arn in caught.value.hint
