"""AWS faults moto cannot produce, stubbed with AWS's real codes and messages."""

import pytest

from pamsite.aws.chain import BridgeCache, assume_bridge, chain
from pamsite.aws.errors import HOP_BRIDGE, HOP_TARGET, AwsError, Fault
from tests.aws.fixtures import CHAINING, assume_role_response, sts_stubbers

BRIDGE = "arn:aws:iam::123456789012:role/PamBridge"
TARGET = "arn:aws:iam::123456789012:role/ReadOnly"
EXTERNAL_ID = "5b0e1c8e-3f0a-4a57-9a0e-0c6f1f7b9d21"
PLATFORM_USER = "arn:aws:iam::111111111111:user/pam-platform"
MAX_SESSION = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."


def _denied(caller: str, role: str) -> str:
    return f"User: {caller} is not authorized to perform: sts:AssumeRole on resource: {role}"


@pytest.fixture
def stubs(monkeypatch):
    """A Stubber on the platform client (hop 1) and one on every hop-2 client."""
    with sts_stubbers(monkeypatch) as pair:
        yield pair


def _chain(**overrides):
    arguments = {
        "resource_role_arn": BRIDGE,
        "target_role_arn": TARGET,
        "external_id": EXTERNAL_ID,
        "session_name": "alice@example.com",
        "duration": 3600,
        "region": "us-east-1",
        "cache": None,
        "bridge_seconds": 3600,
    }
    return chain(**{**arguments, **overrides})


def test_access_denied_at_hop_1_names_the_resource_role_trust_policy(stubs):
    platform, _ = stubs
    platform.add_client_error(
        "assume_role", "AccessDenied", _denied(PLATFORM_USER, BRIDGE), http_status_code=403
    )

    with pytest.raises(AwsError) as caught:
        _chain()

    error = caught.value
    assert (error.code, error.hop) == ("AccessDenied", HOP_BRIDGE)
    assert BRIDGE in error.hint and EXTERNAL_ID in error.hint and "trust policy" in error.hint


def test_access_denied_at_hop_2_names_the_target_role_trust_policy(stubs):
    platform, target = stubs
    platform.add_response("assume_role", assume_role_response(BRIDGE, "pam-platform"))
    bridge_session = "arn:aws:sts::123456789012:assumed-role/PamBridge/pam-platform"
    target.add_client_error(
        "assume_role", "AccessDenied", _denied(bridge_session, TARGET), http_status_code=403
    )

    with pytest.raises(AwsError) as caught:
        _chain()

    error = caught.value
    assert (error.code, error.hop) == ("AccessDenied", HOP_TARGET)
    assert TARGET in error.hint and BRIDGE in error.hint and "permissions policy" in error.hint


def test_role_chaining_limit_says_to_shorten_the_session(stubs):
    platform, target = stubs
    platform.add_response("assume_role", assume_role_response(BRIDGE, "pam-platform"))
    target.add_client_error("assume_role", "ValidationError", CHAINING, http_status_code=400)

    with pytest.raises(AwsError) as caught:
        _chain()

    assert caught.value.code == "RoleChainingLimit"
    assert "1 hour" in caught.value.hint
    assert caught.value.message == CHAINING


def test_max_session_duration_names_the_role(stubs):
    platform, target = stubs
    platform.add_response("assume_role", assume_role_response(BRIDGE, "pam-platform"))
    target.add_client_error("assume_role", "ValidationError", MAX_SESSION, http_status_code=400)

    with pytest.raises(AwsError) as caught:
        _chain()

    assert caught.value.code == "MaxSessionDurationExceeded"
    assert TARGET in caught.value.hint


def test_throttling_is_retryable_and_a_throttled_fault(stubs):
    platform, _ = stubs
    platform.add_client_error("assume_role", "Throttling", "Rate exceeded", http_status_code=400)

    with pytest.raises(AwsError) as caught:
        _chain()

    assert (caught.value.code, caught.value.retryable, caught.value.fault) == (
        "Throttling",
        True,
        Fault.THROTTLED,
    )


def test_expired_platform_token_blames_the_server_credentials(stubs):
    platform, _ = stubs
    platform.add_client_error(
        "assume_role",
        "ExpiredToken",
        "The security token included in the request is expired",
        http_status_code=403,
    )

    with pytest.raises(AwsError) as caught:
        _chain()

    assert caught.value.code == "ExpiredToken"
    assert "server's own AWS credentials" in caught.value.hint


def test_bridge_falls_back_to_one_hour_when_the_role_allows_no_more(stubs):
    platform, _ = stubs
    platform.add_client_error("assume_role", "ValidationError", MAX_SESSION, http_status_code=400)
    platform.add_response(
        "assume_role",
        assume_role_response(BRIDGE, "pam-platform"),
        expected_params={
            "RoleArn": BRIDGE,
            "RoleSessionName": "pam-platform",
            "ExternalId": EXTERNAL_ID,
            "DurationSeconds": 3600,
        },
    )

    bridge = assume_bridge(
        resource_role_arn=BRIDGE, external_id=EXTERNAL_ID, region="us-east-1", duration=4 * 3600
    )

    assert bridge.assumed_role_arn.endswith("/PamBridge/pam-platform")
    platform.assert_no_pending_responses()


def test_hop_2_sends_external_id_duration_and_session_name(stubs):
    platform, target = stubs
    platform.add_response("assume_role", assume_role_response(BRIDGE, "pam-platform"))
    target.add_response(
        "assume_role",
        assume_role_response(TARGET, "alice@example.com", 1800),
        expected_params={
            "RoleArn": TARGET,
            "RoleSessionName": "alice@example.com",
            "ExternalId": EXTERNAL_ID,
            "DurationSeconds": 1800,
        },
    )

    assumed = _chain(duration=1800)

    assert assumed.assumed_role_id == "AROAEXAMPLEEXAMPLE01:alice@example.com"
    target.assert_no_pending_responses()


def test_refused_cached_bridge_is_dropped_and_the_chain_retried_once(stubs):
    platform, target = stubs
    cache = BridgeCache()
    platform.add_response("assume_role", assume_role_response(BRIDGE, "pam-platform", 4 * 3600))
    target.add_response("assume_role", assume_role_response(TARGET, "alice@example.com"))
    _chain(cache=cache, bridge_seconds=4 * 3600)
    # The Resource Role's old sessions were revoked: the cached bridge is refused at hop 2.
    bridge_session = "arn:aws:sts::123456789012:assumed-role/PamBridge/pam-platform"
    target.add_client_error(
        "assume_role", "AccessDenied", _denied(bridge_session, TARGET), http_status_code=403
    )
    platform.add_response("assume_role", assume_role_response(BRIDGE, "pam-platform", 4 * 3600))
    target.add_response("assume_role", assume_role_response(TARGET, "alice@example.com"))

    assumed = _chain(cache=cache, bridge_seconds=4 * 3600)

    assert assumed.assumed_role_arn.endswith("/ReadOnly/alice@example.com")
    platform.assert_no_pending_responses()
    target.assert_no_pending_responses()


def test_refusal_with_a_fresh_bridge_is_not_retried(stubs):
    platform, target = stubs
    platform.add_response("assume_role", assume_role_response(BRIDGE, "pam-platform", 4 * 3600))
    target.add_client_error("assume_role", "AccessDenied", _denied(BRIDGE, TARGET), 403)

    with pytest.raises(AwsError) as caught:
        _chain(cache=BridgeCache(), bridge_seconds=4 * 3600)

    # A retry would have hit the platform stub again, which has no response left.
    assert caught.value.code == "AccessDenied"
