"""The two-hop role chain behind every Access click.

Hop 1: the platform identity assumes the Resource Role (the bridge) with ExternalId = the
project's UUID. Hop 2: with hop-1 credentials, assume the target role with the same External
ID, the account's duration and a RoleSessionName made from the user's email.
"""

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import botocore.exceptions

from pamsite.aws import clients
from pamsite.aws.arns import parse_role_arn
from pamsite.aws.errors import HOP_BRIDGE, HOP_TARGET, AwsError, HopContext, from_botocore
from pamsite.aws.partitions import region_in_partition

# Hop-1 sessions are asked for this long by default (Resource validation); 1h is the most AWS
# allows when the platform itself runs as a role (then hop 1 is already chaining).
BRIDGE_SESSION_SECONDS = 3600
# An Access click asks for a longer bridge so the cache can serve 1h sessions: a 1h bridge never
# covers a 1h session plus the margin. AWS grants it only when the platform identity is an IAM
# user (not chaining) and the Resource Role's MaxSessionDuration allows it; otherwise hop 1 is
# retried at 1h once and the cache remembers that for the role.
BRIDGE_PREFERRED_SECONDS = 4 * 3600
# A cached bridge session must outlive the requested session by this much.
BRIDGE_CACHE_MARGIN = timedelta(minutes=5)
PLATFORM_SESSION_NAME = "pam-platform"


@dataclass(frozen=True)
class Credentials:
    """Temporary AWS credentials. Never stored, never logged: repr hides the secrets."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expiration: datetime


@dataclass(frozen=True)
class AssumedRole:
    credentials: Credentials = field(repr=False)
    assumed_role_arn: str
    assumed_role_id: str

    @property
    def expires_at(self) -> datetime:
        return self.credentials.expiration


def _credentials(response: dict) -> Credentials:
    raw = response["Credentials"]
    expiration = raw["Expiration"]
    if isinstance(expiration, str):  # botocore parses it; a stubbed response may not
        expiration = datetime.fromisoformat(expiration.replace("Z", "+00:00"))
    if expiration.tzinfo is None:
        expiration = expiration.replace(tzinfo=UTC)
    return Credentials(
        access_key_id=raw["AccessKeyId"],
        secret_access_key=raw["SecretAccessKey"],
        session_token=raw["SessionToken"],
        expiration=expiration,
    )


@dataclass(frozen=True)
class Hop2Extras:
    """What hop 2 may carry besides the session name, where the Resource opted in: the
    person's SourceIdentity and session tags. Never on hop 1: the bridge session is cached and
    shared by every user of the Resource, and a SourceIdentity set there would stick to all."""

    source_identity: str = ""
    tags: tuple[tuple[str, str], ...] = ()

    def parameters(self) -> dict:
        found = {}
        if self.source_identity:
            found["SourceIdentity"] = self.source_identity
        if self.tags:
            found["Tags"] = [{"Key": key, "Value": value} for key, value in self.tags]
        return found


def assume_role(
    client,
    *,
    role_arn: str,
    external_id: str,
    session_name: str,
    duration: int,
    ctx: HopContext,
    extras: Hop2Extras | None = None,
) -> AssumedRole:
    """One sts:AssumeRole, errors mapped to AwsError."""
    try:
        response = client.assume_role(
            RoleArn=role_arn,
            RoleSessionName=session_name,
            ExternalId=external_id,
            DurationSeconds=duration,
            **(extras.parameters() if extras else {}),
        )
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        raise from_botocore(exc, ctx) from None
    return AssumedRole(
        credentials=_credentials(response),
        assumed_role_arn=response["AssumedRoleUser"]["Arn"],
        assumed_role_id=response["AssumedRoleUser"]["AssumedRoleId"],
    )


class BridgeCache:
    """Hop-1 sessions kept in this process's memory for later clicks on the same Resource.

    A cached session serves a click only while its remaining lifetime covers the requested
    session plus BRIDGE_CACHE_MARGIN. Keyed by Resource Role ARN, External ID and a version
    string the caller changes when the Resource changes (its updated_at), so an edited Resource
    never reuses an old bridge. Nothing leaves the process: credentials are never written to a
    shared cache.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str, str], AssumedRole] = {}
        self._bridge_seconds: dict[str, int] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[str, str, str], needed_seconds: int) -> AssumedRole | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            left = entry.expires_at - datetime.now(UTC)
            if left < timedelta(seconds=needed_seconds) + BRIDGE_CACHE_MARGIN:
                del self._entries[key]
                self.misses += 1
                return None
            self.hits += 1
            return entry

    def put(self, key: tuple[str, str, str], bridge: AssumedRole) -> None:
        """Keep `bridge`, replacing any entry of an older version of the same Resource."""
        with self._lock:
            for old in [k for k in self._entries if k[:2] == key[:2] and k != key]:
                del self._entries[old]
            self._entries[key] = bridge

    def bridge_seconds(self, role_arn: str, wanted: int) -> int:
        """How long a bridge session to ask for: `wanted`, unless AWS refused it before."""
        with self._lock:
            return min(wanted, self._bridge_seconds.get(role_arn, wanted))

    def limit_bridge_seconds(self, role_arn: str, seconds: int) -> None:
        with self._lock:
            self._bridge_seconds[role_arn] = seconds

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def drop(self, role_arn: str) -> None:
        """Forget every bridge session for this Resource Role."""
        with self._lock:
            for key in [k for k in self._entries if k[0] == role_arn]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bridge_seconds.clear()
            self.hits = self.misses = 0


bridge_cache = BridgeCache()


def sts_region(role_arn: str, region: str | None) -> str:
    return region_in_partition(parse_role_arn(role_arn).partition, region)


def assume_bridge(
    *,
    resource_role_arn: str,
    external_id: str,
    region: str | None,
    duration: int = BRIDGE_SESSION_SECONDS,
) -> AssumedRole:
    """Hop 1 only: the platform assumes the Resource Role (also how a Resource is validated)."""
    client = clients.platform_sts_client(sts_region(resource_role_arn, region))
    ctx = HopContext(HOP_BRIDGE, resource_role_arn, "the platform identity", external_id)
    try:
        return assume_role(
            client,
            role_arn=resource_role_arn,
            external_id=external_id,
            session_name=PLATFORM_SESSION_NAME,
            duration=duration,
            ctx=ctx,
        )
    except AwsError as exc:
        # The platform may be an IAM user allowed more than 1h, or a role held to 1h.
        if exc.code in ("RoleChainingLimit", "MaxSessionDurationExceeded") and duration > 3600:
            return assume_bridge(
                resource_role_arn=resource_role_arn,
                external_id=external_id,
                region=region,
                duration=3600,
            )
        raise


def assume_target(
    *,
    bridge: AssumedRole,
    resource_role_arn: str,
    target_role_arn: str,
    external_id: str,
    session_name: str,
    duration: int,
    region: str | None,
    extras: Hop2Extras | None = None,
) -> AssumedRole:
    """Hop 2: with the bridge session, assume the target role as the person (with the
    SourceIdentity and tags of `extras`, where the Resource opted in)."""
    client = clients.sts_client_for(bridge.credentials, sts_region(target_role_arn, region))
    ctx = HopContext(HOP_TARGET, target_role_arn, resource_role_arn, external_id, duration)
    return assume_role(
        client,
        role_arn=target_role_arn,
        external_id=external_id,
        session_name=session_name,
        duration=duration,
        ctx=ctx,
        extras=extras,
    )


def bridge_session(
    *,
    resource_role_arn: str,
    external_id: str,
    region: str | None,
    cache_version: str = "",
    cache: BridgeCache | None = bridge_cache,
) -> AssumedRole:
    """A Resource Role session for the platform's own work on a Resource (revocation,
    CloudTrail lookups): the cached bridge when one is left, else hop 1, kept for the next."""
    key = (resource_role_arn, external_id, cache_version)
    bridge = cache.get(key, 0) if cache is not None else None
    if bridge is None:
        bridge = assume_bridge(
            resource_role_arn=resource_role_arn, external_id=external_id, region=region
        )
        if cache is not None:
            cache.put(key, bridge)
    return bridge


def chain(
    *,
    resource_role_arn: str,
    target_role_arn: str,
    external_id: str,
    session_name: str,
    duration: int,
    region: str | None,
    cache_version: str = "",
    bridge_seconds: int = BRIDGE_PREFERRED_SECONDS,
    cache: BridgeCache | None = bridge_cache,
    extras: Hop2Extras | None = None,
) -> AssumedRole:
    """Both hops, reusing a cached bridge session when it still covers `duration`.

    `cache_version` must change whenever the Resource changes (callers pass its updated_at),
    so an edited Resource never reuses an old bridge. If hop 2 is refused with a cached
    bridge, the bridge is dropped and the chain retried once from hop 1: the Resource Role may
    have changed under us. Pass cache=None to always make both hops.
    """
    key = (resource_role_arn, external_id, cache_version)
    bridge = cache.get(key, duration) if cache is not None else None
    from_cache = bridge is not None
    if bridge is None:
        asked = cache.bridge_seconds(resource_role_arn, bridge_seconds) if cache else bridge_seconds
        bridge = assume_bridge(
            resource_role_arn=resource_role_arn,
            external_id=external_id,
            region=region,
            duration=asked,
        )
        if cache is not None:
            granted = (bridge.expires_at - datetime.now(UTC)).total_seconds()
            if asked > BRIDGE_SESSION_SECONDS and granted <= BRIDGE_SESSION_SECONDS:
                cache.limit_bridge_seconds(resource_role_arn, BRIDGE_SESSION_SECONDS)
            cache.put(key, bridge)
    try:
        return assume_target(
            bridge=bridge,
            resource_role_arn=resource_role_arn,
            target_role_arn=target_role_arn,
            external_id=external_id,
            session_name=session_name,
            duration=duration,
            region=region,
            extras=extras,
        )
    except AwsError as exc:
        if from_cache and exc.code in ("AccessDenied", "ExpiredToken", "InvalidClientTokenId"):
            cache.drop(resource_role_arn)
            return chain(
                resource_role_arn=resource_role_arn,
                target_role_arn=target_role_arn,
                external_id=external_id,
                session_name=session_name,
                duration=duration,
                region=region,
                cache_version=cache_version,
                bridge_seconds=bridge_seconds,
                cache=cache,
                extras=extras,
            )
        raise
