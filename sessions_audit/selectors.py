"""Reads for audit review: filtered sessions newest first, keyset pages, CloudTrail lookup.

Keyset pagination on (created_at, id) walks the (project, -created_at, -id) index, so page
1000 costs what page 1 does; OFFSET would scan every skipped row.
"""

import base64
import binascii
import shlex
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet

from pamsite.aws.chain import sts_region
from resources.models import Project
from sessions_audit.models import AccessSession, AuditEvent

PAGE_SIZE = 50


def sessions_filter(
    *,
    project: Project,
    user: str = "",
    account=None,
    resource=None,
    status: str = "",
    since=None,
    until=None,
    activity: str = "",
) -> QuerySet[AccessSession]:
    """A project's sessions matching the filters, newest first. Rows read their status through
    AccessSession.effective_status; `.values()` readers add `with_effective_status()`."""
    qs = AccessSession.objects.filter(project=project)
    if user:
        qs = qs.filter(user_email__istartswith=user.strip())
    if account is not None:
        qs = qs.filter(account=account)
    if resource is not None:
        qs = qs.filter(resource=resource)
    if status:
        qs = qs.with_status(status)
    if activity == "writes":
        qs = qs.filter(evidence__writes__gt=0)
    elif activity == "errors":
        qs = qs.filter(evidence__errors__gt=0)
    if since:
        qs = qs.filter(created_at__gte=datetime.combine(since, time.min, tzinfo=UTC))
    if until:
        qs = qs.filter(
            created_at__lt=datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC)
        )
    return qs.order_by("-created_at", "-id")


def cursor_encode(session: AccessSession) -> str:
    raw = f"{session.created_at.isoformat()}|{session.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> tuple[datetime, uuid.UUID] | None:
    """(created_at, id) from a cursor, or None when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, ident = raw.partition("|")
        created_at = datetime.fromisoformat(stamp)
        if created_at.tzinfo is None:
            return None
        return created_at, uuid.UUID(ident)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


@dataclass
class SessionPage:
    sessions: list[AccessSession]
    next_cursor: str | None


def sessions_page(
    qs: QuerySet[AccessSession], *, after: str = "", size: int | None = None
) -> SessionPage:
    """One page of `qs` (ordered newest first) after the cursor; next_cursor when there is more."""
    size = size or PAGE_SIZE
    position = cursor_decode(after) if after else None
    if position is not None:
        created_at, ident = position
        # (created_at, id) < cursor, written so `created_at <= ...` bounds the index scan; a
        # bare OR of the two cases makes PostgreSQL filter from the newest row onwards.
        qs = qs.filter(
            Q(created_at__lte=created_at) & (Q(created_at__lt=created_at) | Q(id__lt=ident))
        )
    rows = list(qs.select_related("evidence")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return SessionPage(rows, cursor_encode(rows[-1]) if more and rows else None)


def session_cloudtrail_command(session: AccessSession) -> str:
    """The AWS CLI lookup for this session's events: CloudTrail records the role session name
    as Username, in the region the STS call went to."""
    region = sts_region(session.target_role_arn, settings.AWS_REGION)
    start = (session.created_at - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end_at = session.expires_at or session.created_at + timedelta(hours=1)
    end = (end_at + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    attribute = f"AttributeKey=Username,AttributeValue={session.role_session_name}"
    return (
        f"aws cloudtrail lookup-events --lookup-attributes {shlex.quote(attribute)} "
        f"--start-time {start} --end-time {end} --region {shlex.quote(region)}"
    )


def audit_events_filter(
    *, project: Project, who: str = "", action: str = "", since=None, until=None
) -> QuerySet[AuditEvent]:
    """A project's audit events matching the filters, newest first."""
    qs = AuditEvent.objects.filter(project=project)
    if who:
        qs = qs.filter(actor_email__istartswith=who.strip())
    if action:
        qs = qs.filter(action=action)
    if since:
        qs = qs.filter(created_at__gte=datetime.combine(since, time.min, tzinfo=UTC))
    if until:
        qs = qs.filter(
            created_at__lt=datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC)
        )
    return qs.order_by("-id")


def audit_events_page(
    qs: QuerySet[AuditEvent], *, before=None
) -> tuple[list[AuditEvent], int | None]:
    """`qs` (audit_events_filter), PAGE_SIZE at a time: keyset on the id (ids grow with
    time), `before` the last id of the previous page. Returns the events and the next page's
    `before`, or None at the end."""
    if before:
        qs = qs.filter(pk__lt=before)
    rows = list(qs[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (rows[-1].pk if more else None)
