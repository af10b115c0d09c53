"""Cheap STS clients.

A fresh boto3.Session per call is expensive in CPU (it reloads the endpoint and service
models; bench/ prints the cost). Here one botocore session is made per process and every
client is created from it, with explicit credentials, bounded retries and timeouts. The
platform's own client is reused.
"""

import os
import threading

import botocore.session
from botocore.config import Config

from pamsite.aws.arns import PARTITIONS
from pamsite.aws.partitions import partition_of_region

# An AWS account's IAM exists in one partition only: a platform identity from the aws partition
# cannot assume roles in GovCloud or China. PAM_PLATFORM_PROFILES names, per other partition,
# the profile (shared config or credentials file) whose identity the platform uses there, e.g.
# "aws-us-gov=pam-gov,aws-cn=pam-cn". Partitions not named use the default credential chain.
PROFILES_VARIABLE = "PAM_PLATFORM_PROFILES"

# Standard retry mode retries throttling and transient errors with backoff; 3 attempts in all
# keeps one Access click well under a gunicorn timeout.
CLIENT_CONFIG = Config(
    connect_timeout=3,
    read_timeout=5,
    retries={"max_attempts": 3, "mode": "standard"},
    max_pool_connections=20,
)

_lock = threading.Lock()
_session: botocore.session.Session | None = None
_platform_clients: dict[str, object] = {}
_profile_sessions: dict[str, botocore.session.Session] = {}
# Clients holding a bridge session's credentials, keyed by those credentials and region.
BRIDGE_CLIENTS_MAX = 64
_bridge_clients: dict[tuple[str, str, str], object] = {}


def botocore_session() -> botocore.session.Session:
    global _session
    if _session is None:
        with _lock:
            if _session is None:
                _session = botocore.session.get_session()
    return _session


def parse_platform_profiles(text: str) -> dict[str, str]:
    """ "aws-us-gov=pam-gov,aws-cn=pam-cn" as {partition: profile}; ValueError says what is
    wrong."""
    profiles: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        partition, sep, profile = (piece.strip() for piece in item.partition("="))
        if not sep or not profile:
            raise ValueError(
                f"{PROFILES_VARIABLE}: {item!r} is not partition=profile, e.g. aws-us-gov=pam-gov."
            )
        if partition not in PARTITIONS:
            raise ValueError(
                f"{PROFILES_VARIABLE}: {partition!r} is not a partition; use one of "
                f"{', '.join(sorted(PARTITIONS))}."
            )
        profiles[partition] = profile
    return profiles


def platform_session(region: str) -> botocore.session.Session:
    """The botocore session whose credentials are the platform's in `region`'s partition."""
    profile = parse_platform_profiles(os.environ.get(PROFILES_VARIABLE, "")).get(
        partition_of_region(region)
    )
    if not profile:
        return botocore_session()
    session = _profile_sessions.get(profile)
    if session is None:
        with _lock:
            session = _profile_sessions.get(profile)
            if session is None:
                session = botocore.session.Session(profile=profile)
                _profile_sessions[profile] = session
    return session


def platform_sts_client(region: str):
    """STS as the platform identity (env keys, profile or instance role; the partition's
    profile in PAM_PLATFORM_PROFILES), one per region."""
    client = _platform_clients.get(region)
    if client is None:
        session = platform_session(region)
        with _lock:
            client = _platform_clients.get(region)
            if client is None:
                client = session.create_client("sts", region_name=region, config=CLIENT_CONFIG)
                _platform_clients[region] = client
    return client


def sts_client_for(credentials, region: str):
    """STS with the given temporary credentials (hop 1's, to make hop 2).

    Kept for as long as those credentials are in use (a cached bridge session serves many
    clicks): create_client costs more CPU than the rest of an Access click's AWS part. At most
    BRIDGE_CLIENTS_MAX are kept, oldest dropped first. Created under the lock: a botocore
    session is not safe for concurrent create_client calls from several threads (gthread
    workers), clients themselves are.
    """
    key = (credentials.access_key_id, credentials.session_token, region)
    client = _bridge_clients.get(key)
    if client is not None:
        return client
    session = botocore_session()
    with _lock:
        client = session.create_client(
            "sts",
            region_name=region,
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token,
            config=CLIENT_CONFIG,
        )
        _bridge_clients[key] = client
        while len(_bridge_clients) > BRIDGE_CLIENTS_MAX:
            del _bridge_clients[next(iter(_bridge_clients))]
    return client


def reset_clients() -> None:
    """Forget the session and cached clients (tests that change AWS endpoints or credentials:
    the botocore session resolves the platform's credentials once and keeps them)."""
    global _session
    with _lock:
        _platform_clients.clear()
        _bridge_clients.clear()
        _profile_sessions.clear()
        _session = None
