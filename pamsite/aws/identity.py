"""Who the platform itself is in AWS: its account id goes into every Resource Role trust policy."""

import re
import threading

import botocore.exceptions

from pamsite.aws import clients
from pamsite.aws.errors import HopContext, from_botocore

HOP_PLATFORM = "platform"
_ACCOUNT_ID = re.compile(r"\d{12}", re.ASCII)
_lock = threading.Lock()
_discovered: dict[str, str] = {}


def platform_account_id(*, configured: str = "", region: str = "us-east-1") -> str:
    """The platform's AWS account id: `configured` (PAM_PLATFORM_ACCOUNT_ID) when set, else
    sts:GetCallerIdentity as the platform identity, asked once per process and region.

    Raises ValueError for a configured value that is not 12 digits, AwsError when AWS cannot
    be asked (no credentials, refused, unreachable).
    """
    if configured:
        configured = configured.strip()
        if not _ACCOUNT_ID.fullmatch(configured):
            raise ValueError("PAM_PLATFORM_ACCOUNT_ID must be exactly 12 digits.")
        return configured
    with _lock:
        cached = _discovered.get(region)
    if cached:
        return cached
    try:
        account_id = clients.platform_sts_client(region).get_caller_identity()["Account"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        raise from_botocore(
            exc, HopContext(HOP_PLATFORM, "", "the platform identity", "")
        ) from None
    with _lock:
        _discovered[region] = account_id
    return account_id


def reset_platform_identity() -> None:
    """Forget the discovered account id (tests, or after the platform's credentials change)."""
    with _lock:
        _discovered.clear()
