"""The sandbox's CloudTrail: what role sessions did in moto, and LookupEvents to read it.

moto records no API activity and implements no LookupEvents, so the sandbox could never show
what a console session did. While `recording()` is entered (the sandbox command holds it for its
whole run, tests per test):

- every call moto authorises for a role session (its IAM authentication runs
  `check_action_permitted` for each signed request) is kept as CloudTrail would log it: the
  caller's assumed-role ARN, the event name and source, the region of the request, read-only or
  not, and the error code when moto refused it (AccessDenied);
- moto's CloudTrail answers `LookupEvents` from those events in AWS's shape: newest first, one
  lookup attribute, the time window, pages of at most 50 with `NextToken`, `CloudTrailEvent`
  as a JSON string.

What it is not: the event name is the IAM action moto authorised (for S3 that is
`ListAllMyBuckets` where CloudTrail says `ListBuckets`), read-only is judged from the name, and
the events are there at once, where AWS takes 5 to 15 minutes. `sts:GetCallerIdentity` is not
kept: the federation stand-in makes it to check the credentials it is handed, and AWS records a
`ConsoleLogin` there instead. The events live in this process
only and are gone when the sandbox stops, as everything moto holds.

Imported only by the sandbox: moto is the sandbox extra, never a dependency of the product.
"""

import contextlib
import json
import threading
import uuid
from datetime import UTC, datetime

from moto.cloudtrail.responses import CloudTrailResponse
from moto.core.exceptions import JsonRESTError
from moto.iam import access_control

PAGE_LIMIT = 50
# Per account and region; the oldest go first (AWS keeps 90 days, a sandbox run is shorter).
KEPT_MAX = 100_000
# The lookup attributes LookupEvents takes, as the keys of a kept event.
_ATTRIBUTES = {
    "Username": "Username",
    "EventName": "EventName",
    "EventSource": "EventSource",
    "ReadOnly": "ReadOnly",
    "AccessKeyId": "AccessKeyId",
}
_READ_PREFIXES = ("Get", "List", "Describe", "Head", "Lookup", "Search", "Scan", "Query")

_lock = threading.Lock()
# (account id, region) -> events in the order they happened.
_events: dict[tuple[str, str], list[dict]] = {}


class InvalidLookupAttributesException(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("InvalidLookupAttributesException", message)


class InvalidNextTokenException(JsonRESTError):
    code = 400

    def __init__(self):
        super().__init__("InvalidNextTokenException", "The NextToken is not valid.")


def _record(request, resource: str, error: str) -> None:
    key = request._access_key
    if not isinstance(key, access_control.AssumedRoleAccessKey):
        return  # users (the platform, the operator) are not sessions anyone reviews
    if request._action == "sts:GetCallerIdentity":
        return  # the federation stand-in's own check of the credentials, not the person's doing
    service, _, name = request._action.partition(":")
    now = datetime.now(UTC)
    account = key.account_id
    role_arn = f"arn:{key.partition}:iam::{account}:role/{key._owner_role_name}"
    detail = {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": f"AROA{account}:{key._session_name}",
            "arn": key.arn,
            "accountId": account,
            "accessKeyId": key._access_key_id,
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "arn": role_arn,
                    "accountId": account,
                    "userName": key._owner_role_name,
                },
                "attributes": {"creationDate": now.isoformat(), "mfaAuthenticated": "false"},
            },
        },
        "eventTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": f"{service}.amazonaws.com",
        "eventName": name,
        "awsRegion": request._region,
        "sourceIPAddress": "127.0.0.1",
        "userAgent": request._headers.get("User-Agent", ""),
        "requestParameters": None,
        "responseElements": None,
        "requestID": str(uuid.uuid4()),
        "eventID": str(uuid.uuid4()),
        "readOnly": name.startswith(_READ_PREFIXES),
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account,
    }
    if error:
        detail["errorCode"] = error
        detail["errorMessage"] = f"{key.arn} is not authorized to perform: {request._action}"
    event = {
        "EventId": detail["eventID"],
        "EventName": name,
        "ReadOnly": "true" if detail["readOnly"] else "false",
        "AccessKeyId": key._access_key_id,
        "EventTime": now,
        "EventSource": detail["eventSource"],
        "Username": key._session_name,
        # A resource of "*" (arn:aws:s3:::* for ListAllMyBuckets) names none.
        "Resources": [{"ResourceName": resource}] if not resource.endswith("*") else [],
        "CloudTrailEvent": json.dumps(detail),
    }
    with _lock:
        kept = _events.setdefault((account, request._region), [])
        kept.append(event)
        del kept[:-KEPT_MAX]


def _error_code(exc: Exception) -> str:
    """AWS's code of a moto refusal: RESTError's error_type, a ServiceException's code (S3)."""
    code = getattr(exc, "error_type", None) or getattr(exc, "code", None)
    return code if isinstance(code, str) and code else type(exc).__name__


def _epoch(value) -> datetime | None:
    return datetime.fromtimestamp(float(value), UTC) if value not in (None, "") else None


def _lookup_events(self) -> str:
    """LookupEvents on the kept events, as AWS answers it."""
    attributes = self._get_param("LookupAttributes") or []
    if len(attributes) > 1:
        raise InvalidLookupAttributesException("Only one lookup attribute is allowed.")
    match = None
    if attributes:
        attribute = attributes[0]
        field = _ATTRIBUTES.get(attribute.get("AttributeKey", ""))
        if field is None:
            raise InvalidLookupAttributesException(
                f"Lookup attribute {attribute.get('AttributeKey')!r} is not supported here; "
                f"use one of {', '.join(_ATTRIBUTES)}."
            )
        match = (field, attribute.get("AttributeValue", ""))
    start, end = _epoch(self._get_param("StartTime")), _epoch(self._get_param("EndTime"))
    limit = max(1, min(int(self._get_param("MaxResults") or PAGE_LIMIT), PAGE_LIMIT))
    token = self._get_param("NextToken") or "0"
    if not token.isdigit():
        raise InvalidNextTokenException()
    offset = int(token)
    with _lock:
        kept = list(_events.get((self.current_account, self.region), []))
    found = [
        e
        for e in reversed(kept)
        if (match is None or e[match[0]] == match[1])
        and (start is None or e["EventTime"] >= start)
        and (end is None or e["EventTime"] <= end)
    ]
    page = found[offset : offset + limit]
    body: dict = {"Events": [{**e, "EventTime": e["EventTime"].timestamp()} for e in page]}
    if offset + limit < len(found):
        body["NextToken"] = str(offset + limit)
    return json.dumps(body)


@contextlib.contextmanager
def recording():
    """Keep role sessions' calls and answer LookupEvents from them, until exit."""
    base = access_control.IAMRequestBase
    check = base.check_action_permitted

    def check_and_record(self, resource: str) -> None:
        try:
            check(self, resource)
        except Exception as exc:
            _record(self, resource, _error_code(exc))
            raise
        _record(self, resource, "")

    base.check_action_permitted = check_and_record
    CloudTrailResponse.lookup_events = _lookup_events
    try:
        yield
    finally:
        base.check_action_permitted = check
        del CloudTrailResponse.lookup_events
        forget()


def forget() -> None:
    """Drop every kept event (moto's own reset leaves them)."""
    with _lock:
        _events.clear()
