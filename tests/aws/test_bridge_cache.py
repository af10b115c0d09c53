"""The bridge-session cache. Counted here as AssumeRole calls: 2 cold, 1 warm; with the sign-in
token call an Access makes 3 round trips cold and 2 warm (tests/accounts/test_access_service)."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from moto.core import enable_iam_authentication

from pamsite.aws.chain import (
    BRIDGE_CACHE_MARGIN,
    BRIDGE_SESSION_SECONDS,
    AssumedRole,
    BridgeCache,
    Credentials,
    bridge_cache,
    chain,
)
from tests.aws.fixtures import build_moto_world, count_assume_role_calls

EXTERNAL_ID = str(uuid.uuid4())


@pytest.fixture
def world(aws, monkeypatch):
    world = build_moto_world(monkeypatch, external_id=EXTERNAL_ID)
    with enable_iam_authentication():
        yield world


def _access(world, *, duration=3600, cache_version="v1"):
    return chain(
        resource_role_arn=world.resource_role_arn,
        target_role_arn=world.target_role_arn,
        external_id=EXTERNAL_ID,
        session_name="alice@example.com",
        duration=duration,
        region="us-east-1",
        cache_version=cache_version,
    )


def test_cold_access_makes_both_hops(world):
    calls = count_assume_role_calls()

    _access(world)

    assert calls == [world.resource_role_arn, world.target_role_arn]


def test_warm_access_skips_hop_1(world):
    _access(world)
    calls = count_assume_role_calls()

    _access(world)

    assert calls == [world.target_role_arn]


def test_warm_access_still_lands_in_the_target_role(world):
    _access(world)

    assumed = _access(world)

    assert assumed.assumed_role_arn.endswith("assumed-role/ReadOnly/alice@example.com")


def test_changed_resource_does_not_reuse_the_bridge(world):
    _access(world, cache_version="v1")
    calls = count_assume_role_calls()

    _access(world, cache_version="v2")

    assert calls == [world.resource_role_arn, world.target_role_arn]


def test_changed_resource_forgets_the_old_bridge(world):
    _access(world, cache_version="v1")
    _access(world, cache_version="v2")

    assert len(bridge_cache) == 1


def _bridge(left: timedelta) -> AssumedRole:
    credentials = Credentials("ASIAEXAMPLE", "secret", "token", datetime.now(UTC) + left)
    return AssumedRole(credentials, "arn:aws:sts::1:assumed-role/B/pam-platform", "AROA:p")


KEY = ("arn:aws:iam::123456789012:role/PamBridge", "ext", "v1")


def test_bridge_covering_session_plus_margin_is_served():
    cache = BridgeCache()
    cache.put(KEY, _bridge(timedelta(seconds=3600) + BRIDGE_CACHE_MARGIN + timedelta(seconds=30)))

    assert cache.get(KEY, 3600) is not None


def test_bridge_not_covering_the_margin_is_dropped():
    cache = BridgeCache()
    cache.put(KEY, _bridge(timedelta(seconds=3600) + BRIDGE_CACHE_MARGIN - timedelta(seconds=30)))

    assert cache.get(KEY, 3600) is None
    assert len(cache) == 0


def test_one_hour_bridge_never_serves_a_one_hour_session():
    cache = BridgeCache()
    cache.put(KEY, _bridge(timedelta(seconds=BRIDGE_SESSION_SECONDS)))

    assert cache.get(KEY, 3600) is None


def test_bridge_is_keyed_by_external_id():
    cache = BridgeCache()
    cache.put(KEY, _bridge(timedelta(hours=4)))

    assert cache.get((KEY[0], "other-external-id", KEY[2]), 900) is None


def test_drop_forgets_every_version_of_a_role():
    cache = BridgeCache()
    cache.put(KEY, _bridge(timedelta(hours=4)))
    cache.put((KEY[0], "other", "v9"), _bridge(timedelta(hours=4)))

    cache.drop(KEY[0])

    assert len(cache) == 0


def test_bridge_seconds_are_limited_after_a_refusal():
    cache = BridgeCache()
    cache.limit_bridge_seconds(KEY[0], 3600)

    assert cache.bridge_seconds(KEY[0], 4 * 3600) == 3600
    assert cache.bridge_seconds("arn:aws:iam::123456789012:role/Other", 4 * 3600) == 4 * 3600
