"""What each console session did: its CloudTrail events, fetched with the Resource Role's
session after the session ends (and again later: CloudTrail delivers within about 5 to 15
minutes), stored once each. LookupEvents allows 2 requests per second per account and region:
`throttle_for` keeps every worker under it through the shared cache (Redis in production)."""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from pamsite.aws import cloudtrail
from pamsite.aws.arns import parse_role_arn
from pamsite.aws.chain import bridge_session
from pamsite.aws.errors import AwsError
from pamsite.aws.partitions import owns_region, partition
from resources.permissions import Capability, require
from sessions_audit.models import AccessSession, SessionEvent, SessionEvidence

logger = logging.getLogger(__name__)

RATE_PER_SECOND = 2
LOOKBACK_LIMIT = timedelta(days=90)
# CloudTrail's delivery delay: the first fetch after this, the second after LATER.
FIRST = timedelta(minutes=5)
LATER = timedelta(minutes=20)
DUE_WITHIN = timedelta(hours=3)


def throttle_for(account_id: str, region: str):
    """A wait() that returns once this second's budget for (account, region) allows one more
    LookupEvents call, across every process sharing the cache (a fixed one-second window). It
    returns the second (Unix time) whose budget it took."""

    def wait() -> int:
        while True:
            second = int(time.time())
            key = f"cloudtrail-rate:{account_id}:{region}:{second}"
            cache.add(key, 0, timeout=5)
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=5)
                count = 1
            if count <= RATE_PER_SECOND:
                return second
            time.sleep(max(0.01, second + 1 - time.time()))

    return wait


def _window(session: AccessSession, now):
    start = session.created_at - timedelta(minutes=1)
    end = (session.revoked_at or session.expires_at or now) + timedelta(minutes=5)
    return max(start, now - LOOKBACK_LIMIT), min(end, now)


def _regions(session: AccessSession) -> list[str]:
    """IAM, STS and global events are in us-east-1 (the partition's home region); the
    console's own region too."""
    name = parse_role_arn(session.target_role_arn).partition
    home = partition(name).default_region
    console = session.account.console_region or getattr(settings, "PAM_CONSOLE_REGION", "")
    regions = [home]
    if console and owns_region(name, console) and console != home:
        regions.append(console)
    return regions


def session_events_fetch(*, session: AccessSession, actor=None) -> SessionEvidence:
    """Look the session's events up and store the new ones (running it twice stores nothing
    twice). `actor`: an admin's "Fetch now" (checked), or None for the beat task. An AWS
    refusal is kept on the evidence row, never raised."""
    session = AccessSession.objects.select_related("resource__project", "account").get(
        pk=session.pk
    )
    if actor is not None:
        require(user=actor, project=session.project, capability=Capability.MANAGE_PROJECT)
    if not session.resource.cloudtrail_enabled:
        raise ValidationError(
            f"Console activity is off for Resource {session.resource_name}: turn it on on its "
            "page (the Resource Role then needs cloudtrail:LookupEvents)."
        )
    if not session.assumed_role_arn:
        raise ValidationError("This session never opened: there is nothing in CloudTrail.")
    now = timezone.now()
    start, end = _window(session, now)
    account_id = parse_role_arn(session.target_role_arn).account_id
    error = ""
    found = []
    try:
        credentials = bridge_session(
            resource_role_arn=session.resource.resource_role_arn,
            external_id=session.resource.project.external_id,
            region=settings.AWS_REGION,
            cache_version=session.resource.updated_at.isoformat(),
        ).credentials
        for region in _regions(session):
            found += cloudtrail.session_events(
                credentials,
                region=region,
                username=session.role_session_name,
                assumed_role_arn=session.assumed_role_arn,
                account_id=account_id,
                start=start,
                end=end,
                throttle=throttle_for(account_id, region),
            )
    except AwsError as exc:
        error = f"{exc.code}: {exc.hint}"[:500]
        logger.warning("CloudTrail fetch failed: session=%s code=%s", session.pk, exc.code)
    with transaction.atomic():
        SessionEvent.objects.bulk_create(
            [
                SessionEvent(
                    session=session,
                    event_id=e.event_id,
                    event_time=e.time,
                    event_name=e.name[:200],
                    event_source=e.source[:200],
                    region=e.region[:32],
                    read_only=e.read_only,
                    error_code=e.error_code[:200],
                    resources=e.resources,
                    request_id=e.request_id[:200],
                    raw=e.raw,
                )
                for e in found
                if e.event_id
            ],
            ignore_conflicts=True,
        )
        events = SessionEvent.objects.filter(session=session)
        evidence, _ = SessionEvidence.objects.get_or_create(session=session)
        evidence.fetches += 1
        evidence.last_error = error
        if not error:
            evidence.fetched_at = now
        evidence.writes = events.filter(read_only=False).count()
        evidence.errors = events.exclude(error_code="").count()
        evidence.save()
    return evidence


def sessions_evidence_due(*, now=None) -> list:
    """Sessions whose events should be fetched now: ended at least 5 minutes ago and never
    fetched, or fetched once and ended at least 20 minutes ago (then they are complete)."""
    now = now or timezone.now()
    ended = Q(status__in=[AccessSession.Status.EXPIRED, AccessSession.Status.REVOKED]) | Q(
        status=AccessSession.Status.ACTIVE, expires_at__lte=now
    )
    candidates = (
        AccessSession.objects.filter(ended, resource__cloudtrail_enabled=True)
        .exclude(assumed_role_arn="")
        .filter(expires_at__gte=now - DUE_WITHIN)
        .select_related("evidence")
    )
    due = []
    for session in candidates:
        end = session.revoked_at or session.expires_at
        evidence = getattr(session, "evidence", None)
        if (evidence is None and now >= end + FIRST) or (
            evidence is not None and evidence.fetches < 2 and now >= end + LATER
        ):
            due.append(session.pk)
    return due
