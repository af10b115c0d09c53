"""SourceIdentity and session tags go on hop 2 only, exactly as AWS's AssumeRole takes them
(Stubber checks the parameters: moto ignores both), and a trust policy that lacks
sts:SetSourceIdentity or sts:TagSession fails the click with AWS's AccessDenied."""

import pytest
from botocore.stub import ANY

from pamsite.aws.chain import Hop2Extras, chain
from pamsite.aws.errors import AwsError
from tests.aws.fixtures import assume_role_response, sts_stubbers

BRIDGE = "arn:aws:iam::123456789012:role/PamBridge"
TARGET = "arn:aws:iam::123456789012:role/ReadOnly"
EXTERNAL_ID = "5b0e1c8e-3f0a-4a57-9a0e-0c6f1f7b9d21"
EXTRAS = Hop2Extras(
    source_identity="alice@example.com",
    tags=(("pam-session", "5b7c0d0e-0000-4000-8000-000000000000"), ("pam-project", "payments")),
)


@pytest.fixture
def stubs(monkeypatch):
    with sts_stubbers(monkeypatch) as pair:
        yield pair


def _chain(extras):
    return chain(
        resource_role_arn=BRIDGE,
        target_role_arn=TARGET,
        external_id=EXTERNAL_ID,
        session_name="alice@example.com",
        duration=900,
        region="us-east-1",
        cache=None,
        bridge_seconds=3600,
        extras=extras,
    )


def test_hop_2_carries_source_identity_and_tags_and_hop_1_neither(stubs):
    platform, target = stubs
    platform.add_response(
        "assume_role",
        assume_role_response(BRIDGE, "pam-platform"),
        # Exactly these keys: no SourceIdentity or Tags on the shared, cached bridge session.
        {
            "RoleArn": BRIDGE,
            "RoleSessionName": "pam-platform",
            "ExternalId": EXTERNAL_ID,
            "DurationSeconds": 3600,
        },
    )
    target.add_response(
        "assume_role",
        assume_role_response(TARGET, "alice@example.com", 900),
        {
            "RoleArn": TARGET,
            "RoleSessionName": "alice@example.com",
            "ExternalId": EXTERNAL_ID,
            "DurationSeconds": 900,
            "SourceIdentity": "alice@example.com",
            "Tags": [
                {"Key": "pam-session", "Value": "5b7c0d0e-0000-4000-8000-000000000000"},
                {"Key": "pam-project", "Value": "payments"},
            ],
        },
    )
    assert _chain(EXTRAS).assumed_role_id.endswith(":alice@example.com")


def test_without_opt_ins_hop_2_sends_neither(stubs):
    platform, target = stubs
    platform.add_response("assume_role", assume_role_response(BRIDGE, "pam-platform"))
    target.add_response(
        "assume_role",
        assume_role_response(TARGET, "alice@example.com", 900),
        {
            "RoleArn": TARGET,
            "RoleSessionName": "alice@example.com",
            "ExternalId": EXTERNAL_ID,
            "DurationSeconds": ANY,
        },
    )
    _chain(None)


def test_a_trust_policy_without_set_source_identity_is_access_denied(stubs):
    platform, target = stubs
    platform.add_response("assume_role", assume_role_response(BRIDGE, "pam-platform"))
    target.add_client_error(
        "assume_role",
        service_error_code="AccessDenied",
        service_message=(
            "User: arn:aws:sts::123456789012:assumed-role/PamBridge/pam-platform is not "
            "authorized to perform: sts:SetSourceIdentity on resource: " + TARGET
        ),
        http_status_code=403,
    )
    with pytest.raises(AwsError) as refused:
        _chain(EXTRAS)
    assert refused.value.code == "AccessDenied"
    assert "sts:SetSourceIdentity" in refused.value.message
    assert "add sts:SetSourceIdentity next to sts:AssumeRole" in refused.value.hint
