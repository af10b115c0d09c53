"""What a console session did, from CloudTrail: LookupEvents by the role session name over
the session's window, in one region, with the Resource Role's session.

LookupEvents allows 2 requests per second per account and region: `throttle` (given by the
caller: a limiter shared by every worker, sessions_audit.evidence) is asked before each page;
a ThrottlingException backs off with jitter and tries again. Pages follow NextToken. Only
events whose userIdentity.arn is the session's assumed-role ARN (and whose account matches)
are kept: the console may sign with other keys, and another session can share the name.
"""

import json
import random
import time
from dataclasses import dataclass
from datetime import datetime

import botocore.exceptions

from pamsite.aws import clients
from pamsite.aws.chain import Credentials
from pamsite.aws.errors import AwsError, Fault

HOP_CLOUDTRAIL = "cloudtrail"
PAGE_SIZE = 50
THROTTLE_RETRIES = 5
# What is never kept of an event (none of CloudTrail's fields is a secret, but a request's
# parameters can name things people typed): only these keys of the raw event stay.
KEPT_KEYS = (
    "eventVersion",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "errorCode",
    "errorMessage",
    "requestID",
    "eventID",
    "readOnly",
    "eventType",
    "managementEvent",
    "recipientAccountId",
    "sessionCredentialFromConsole",
    "userIdentity",
)


@dataclass(frozen=True)
class Event:
    event_id: str
    time: datetime
    name: str
    source: str
    region: str
    read_only: bool | None
    error_code: str
    resources: list[str]
    request_id: str
    raw: dict


def _client(credentials: Credentials, region: str):
    return clients.botocore_session().create_client(
        "cloudtrail",
        region_name=region,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        config=clients.CLIENT_CONFIG,
    )


def _event(item: dict) -> tuple[Event, dict]:
    raw = json.loads(item.get("CloudTrailEvent") or "{}")
    read_only = item.get("ReadOnly")
    return (
        Event(
            event_id=item.get("EventId", ""),
            time=item["EventTime"],
            name=item.get("EventName", ""),
            source=item.get("EventSource", ""),
            region=raw.get("awsRegion", ""),
            read_only=None if read_only is None else str(read_only).lower() == "true",
            error_code=raw.get("errorCode", ""),
            resources=[r.get("ResourceName", "") for r in item.get("Resources") or []][:20],
            request_id=raw.get("requestID", ""),
            raw={key: raw[key] for key in KEPT_KEYS if key in raw},
        ),
        raw,
    )


def session_events(
    credentials: Credentials,
    *,
    region: str,
    username: str,
    assumed_role_arn: str,
    account_id: str,
    start: datetime,
    end: datetime,
    throttle,
) -> list[Event]:
    """Every event of the session in `region` between start and end (AwsError on a refusal)."""
    client = _client(credentials, region)
    found: list[Event] = []
    token = None
    while True:
        params = {
            "LookupAttributes": [{"AttributeKey": "Username", "AttributeValue": username}],
            "StartTime": start,
            "EndTime": end,
            "MaxResults": PAGE_SIZE,
        }
        if token:
            params["NextToken"] = token
        for attempt in range(THROTTLE_RETRIES + 1):
            throttle()
            try:
                page = client.lookup_events(**params)
                break
            except botocore.exceptions.ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code in ("ThrottlingException", "Throttling") and attempt < THROTTLE_RETRIES:
                    time.sleep(min(8.0, 0.5 * 2**attempt) * random.uniform(0.5, 1.5))  # noqa: S311
                    continue
                raise AwsError(
                    code or "Unknown",
                    "CloudTrail refused the lookup: allow cloudtrail:LookupEvents to the Resource "
                    "Role (the Resource's opt-in shows the statement)."
                    if code in ("AccessDeniedException", "AccessDenied")
                    else f"CloudTrail answered {code}.",
                    message=exc.response.get("Error", {}).get("Message", ""),
                    hop=HOP_CLOUDTRAIL,
                    retryable=code.startswith("Throttl"),
                    fault=Fault.THROTTLED if code.startswith("Throttl") else Fault.REFUSED,
                ) from None
            except botocore.exceptions.BotoCoreError as exc:
                raise AwsError(
                    "CloudTrailUnreachable",
                    "The server could not reach CloudTrail. Try again later.",
                    message=type(exc).__name__,
                    hop=HOP_CLOUDTRAIL,
                    retryable=True,
                    fault=Fault.UNREACHABLE,
                ) from None
        for item in page.get("Events", []):
            event, raw = _event(item)
            identity = raw.get("userIdentity") or {}
            if identity.get("arn") != assumed_role_arn:
                continue
            if raw.get("recipientAccountId") not in (None, account_id):
                continue
            found.append(event)
        token = page.get("NextToken")
        if not token:
            return found
