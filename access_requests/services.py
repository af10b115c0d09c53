"""Just-in-time access: requests for on-request Accounts, reviews by others, grants that end,
break-glass. The one write path of AccessRequest and Review; every change is an audit event in
its own transaction. A grant that ends (its time, or an admin ending it) revokes its live
console sessions where the Resource has revocation on, after commit (accounts.revocation)."""

import logging
from datetime import timedelta

import regex
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from access_requests.models import AccessRequest, RequestStatus, Review
from access_requests.selectors import may_review
from accounts.models import Account
from accounts.revocation import grant_sessions_revoke
from notifications.services import notify
from pamsite.durations import format_duration
from resources.models import Membership, Role
from resources.permissions import Capability, require
from sessions_audit.models import AuditAction
from sessions_audit.services import VIA_APP, audit_event_record

logger = logging.getLogger(__name__)

REASON_MAX = 1000
TICKET_MAX = 100
COMMENT_MAX = 500
# How far ahead a start may be scheduled.
SCHEDULE_MAX = timedelta(days=30)
MIN_GRANT = 15 * 60


def _target(request: AccessRequest) -> str:
    return f"{request.requester_email} → {request.account_name}"


def _link(request: AccessRequest) -> str:
    return reverse(
        "access_requests:detail", kwargs={"slug": request.project.slug, "pk": request.pk}
    )


def _approver_emails(request: AccessRequest) -> list[str]:
    named = request.policy.get("approver_ids") or []
    people = Membership.objects.filter(project=request.project).select_related("user")
    people = people.filter(user_id__in=named) if named else people.filter(role=Role.ADMIN)
    return [m.user.email for m in people if m.user_id != request.requester_id]


def _watchers(request: AccessRequest) -> list[str]:
    """Every admin and auditor of the project (break-glass is told to all of them)."""
    return [
        m.user.email
        for m in Membership.objects.filter(
            project=request.project, role__in=[Role.ADMIN, Role.AUDITOR]
        ).select_related("user")
    ]


def _membership(user, project) -> Membership | None:
    return Membership.objects.filter(user=user, project=project).first()


def request_create(
    *,
    actor,
    account: Account,
    reason: str,
    seconds: int,
    ticket: str = "",
    starts_at=None,
    break_glass: bool = False,
    via: str = VIA_APP,
) -> AccessRequest:
    """A member asks for one on-request Account, for `seconds` from `starts_at` (now when
    None), under the Account's policy as it is now. Break-glass (where allowed) approves it at
    once, with a mandatory reason and the shorter break-glass maximum, and flags it for an
    admin's review after the fact. ValidationError says what is wrong with which field."""
    account = Account.objects.select_related("resource__project").get(pk=account.pk)
    project = account.resource.project
    require(user=actor, project=project, capability=Capability.OPEN_CONSOLE)
    if not account.on_request:
        raise ValidationError(f"{account.name} opens directly: no request is needed.")
    if account.is_retired:
        raise ValidationError(f"{account.name} is retired: it can no longer be opened.")
    policy = account.policy_snapshot()
    now = timezone.now()
    reason = " ".join((reason or "").split())
    ticket = (ticket or "").strip()
    errors = {}
    if (policy["reason_required"] or break_glass) and not reason:
        errors["reason"] = (
            "Say why: break-glass always needs a reason."
            if break_glass
            else "Say why: this account's approvers decide on it."
        )
    elif len(reason) > REASON_MAX:
        errors["reason"] = f"At most {REASON_MAX} characters."
    pattern = policy["ticket_pattern"]
    if pattern and not regex.fullmatch(pattern, ticket or ""):
        errors["ticket"] = f"Give the ticket as this account asks: it must match {pattern}."
    elif len(ticket) > TICKET_MAX:
        errors["ticket"] = f"At most {TICKET_MAX} characters."
    limit = policy["break_glass_seconds"] if break_glass else policy["max_grant_seconds"]
    if break_glass and not policy["break_glass_allowed"]:
        errors["break_glass"] = f"Break-glass is not allowed on {account.name}."
    if not MIN_GRANT <= seconds <= limit:
        errors["seconds"] = f"From 15m to {format_duration(limit)}" + (
            " (the break-glass maximum)." if break_glass else " (this account's maximum)."
        )
    starts_at = starts_at or now
    if break_glass:
        starts_at = now
    elif starts_at < now - timedelta(minutes=5) or starts_at > now + SCHEDULE_MAX:
        errors["starts_at"] = "Start now, or at a time within the next 30 days."
    if errors:
        raise ValidationError(errors)
    starts_at = max(starts_at, now)
    with transaction.atomic():
        request = AccessRequest(
            project=project,
            account=account,
            account_name=account.name,
            requester=actor,
            requester_email=actor.email,
            reason=reason,
            ticket=ticket,
            seconds=seconds,
            starts_at=starts_at,
            pending_until=now + timedelta(hours=policy["pending_hours"]),
            policy=policy,
            status=RequestStatus.PENDING,
            created_at=now,
        )
        if break_glass:
            request.status = RequestStatus.APPROVED
            request.break_glass = request.needs_review = True
            request.decided_at = now
            request.grant_starts_at = now
            request.grant_ends_at = now + timedelta(seconds=seconds)
        request.save(force_insert=True)
        detail = {
            "request": str(request.pk),
            "reason": reason,
            "ticket": ticket,
            "seconds": seconds,
            "starts_at": starts_at.isoformat(),
        }
        audit_event_record(
            actor=actor,
            action=AuditAction.BREAK_GLASS if break_glass else AuditAction.REQUEST_CREATE,
            project=project,
            target=_target(request),
            detail=detail,
            via=via,
        )
        length = format_duration(seconds)
        if break_glass:
            notify(
                project=project,
                kind="break_glass",
                subject=f"Break-glass: {actor.email} opened {account.name}",
                body=f"{actor.email} used break-glass on {account.name} in {project.name} for "
                f"{length}: {reason}. An admin reviews it after the fact.",
                link=_link(request),
                emails=_watchers(request),
            )
        else:
            notify(
                project=project,
                kind="review_needed",
                subject=f"Review needed: {actor.email} asks for {account.name}",
                body=f"{actor.email} asks for {account.name} in {project.name} for {length}"
                + (f": {reason}" if reason else ".")
                + " Review it in the app.",
                link=_link(request),
                emails=_approver_emails(request),
            )
    return request


def _locked(request: AccessRequest) -> AccessRequest:
    return (
        AccessRequest.objects.select_for_update()
        .select_related("project", "account")
        .get(pk=request.pk)
    )


def request_review(
    *, actor, request: AccessRequest, approve: bool, comment: str = "", via: str = VIA_APP
) -> AccessRequest:
    """One reviewer approves or denies. Nobody reviews their own request (admins included;
    the database refuses it too), each approver once. Denied at the first denial; approved
    when the policy's number of approvals is reached, and the grant's window starts then (or
    at the scheduled start). Two reviewers at once: the row lock makes one outcome."""
    comment = " ".join((comment or "").split())[:COMMENT_MAX]
    with transaction.atomic():
        request = _locked(request)
        membership = _membership(actor, request.project)
        if actor.pk == request.requester_id:
            raise PermissionDenied("Nobody reviews their own request: someone else must.")
        if not may_review(user=actor, request=request, membership=membership):
            raise PermissionDenied("You are not one of this request's approvers.")
        now = timezone.now()
        if request.status != RequestStatus.PENDING:
            raise ValidationError(
                f"This request is {request.status}: it can no longer be reviewed."
            )
        if request.pending_until <= now:
            raise ValidationError("This request waited too long and has expired.")
        try:
            with transaction.atomic():
                Review.objects.create(
                    request=request,
                    reviewer=actor,
                    reviewer_email=actor.email,
                    requester_id=request.requester_id,
                    decision=Review.Decision.APPROVE if approve else Review.Decision.DENY,
                    comment=comment,
                )
        except IntegrityError:
            raise ValidationError("You reviewed this request already.") from None
        audit_event_record(
            actor=actor,
            action=AuditAction.REQUEST_REVIEW,
            project=request.project,
            target=_target(request),
            detail={"request": str(request.pk), "approve": approve, "comment": comment},
            via=via,
        )
        approvals = request.reviews.filter(decision=Review.Decision.APPROVE).count()
        required = request.policy["approvals_required"]
        if not approve:
            request.status = RequestStatus.DENIED
        elif approvals >= required:
            request.status = RequestStatus.APPROVED
            request.grant_starts_at = max(request.starts_at, now)
            request.grant_ends_at = request.grant_starts_at + timedelta(seconds=request.seconds)
        else:
            return request
        request.decided_at = now
        request.save(update_fields=["status", "decided_at", "grant_starts_at", "grant_ends_at"])
        notify(
            project=request.project,
            kind="decision",
            subject=f"Your request for {request.account_name} was {request.status}",
            body=f"{actor.email} {request.status} your request for {request.account_name}"
            + (f": {comment}" if comment else ".")
            + (
                f" Access opens it until {request.grant_ends_at:%Y-%m-%d %H:%M} UTC."
                if request.status == RequestStatus.APPROVED
                else ""
            ),
            link=_link(request),
            emails=[request.requester_email],
        )
        audit_event_record(
            actor=actor,
            action=AuditAction.REQUEST_DECIDE,
            project=request.project,
            target=_target(request),
            detail={
                "request": str(request.pk),
                "status": request.status,
                "approvals": approvals,
                "required": required,
                "grant_ends_at": request.grant_ends_at.isoformat()
                if request.grant_ends_at
                else None,
            },
            via=via,
        )
    return request


def request_cancel(*, actor, request: AccessRequest, via: str = VIA_APP) -> AccessRequest:
    """The requester withdraws a pending request."""
    with transaction.atomic():
        request = _locked(request)
        if actor.pk != request.requester_id:
            raise PermissionDenied("Only the person who asked can cancel a request.")
        if request.status != RequestStatus.PENDING:
            raise ValidationError(f"This request is {request.status}: there is nothing to cancel.")
        request.status = RequestStatus.CANCELLED
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "decided_at"])
        audit_event_record(
            actor=actor,
            action=AuditAction.REQUEST_CANCEL,
            project=request.project,
            target=_target(request),
            detail={"request": str(request.pk)},
            via=via,
        )
    return request


def grant_end(*, actor, request: AccessRequest, reason: str, via: str = VIA_APP) -> AccessRequest:
    """An admin ends a grant before its time (or the requester gives it back): Access stops
    opening the account, and its live sessions are revoked where revocation is on."""
    reason = " ".join((reason or "").split())[:500]
    with transaction.atomic():
        request = _locked(request)
        if actor.pk != request.requester_id:
            require(user=actor, project=request.project, capability=Capability.MANAGE_PROJECT)
        now = timezone.now()
        if not request.grant_active(now) and not (
            request.status == RequestStatus.APPROVED and request.grant_starts_at > now
        ):
            raise ValidationError("This grant is not open: there is nothing to end.")
        if not reason:
            raise ValidationError({"reason": "Say why the grant ends early."})
        request.grant_ends_at = now
        request.grant_starts_at = min(request.grant_starts_at, now)
        request.ended_by = actor
        request.end_reason = reason
        request.save(update_fields=["grant_ends_at", "grant_starts_at", "ended_by", "end_reason"])
        audit_event_record(
            actor=actor,
            action=AuditAction.GRANT_END,
            project=request.project,
            target=_target(request),
            detail={"request": str(request.pk), "reason": reason},
            via=via,
        )
        transaction.on_commit(lambda: grants_close(now=now))
    return request


def break_glass_review(
    *, actor, request: AccessRequest, comment: str, via: str = VIA_APP
) -> AccessRequest:
    """An admin looks at a break-glass use after the fact (never the person who used it)."""
    comment = " ".join((comment or "").split())[:COMMENT_MAX]
    with transaction.atomic():
        request = _locked(request)
        require(user=actor, project=request.project, capability=Capability.MANAGE_PROJECT)
        if actor.pk == request.requester_id:
            raise PermissionDenied("Another admin reviews your break-glass use.")
        if not request.needs_review:
            raise ValidationError("This request needs no review.")
        if not comment:
            raise ValidationError({"comment": "Say what you found."})
        request.needs_review = False
        request.reviewed_after_by = actor
        request.reviewed_after_at = timezone.now()
        request.save(update_fields=["needs_review", "reviewed_after_by", "reviewed_after_at"])
        audit_event_record(
            actor=actor,
            action=AuditAction.BREAK_GLASS_REVIEW,
            project=request.project,
            target=_target(request),
            detail={"request": str(request.pk), "comment": comment},
            via=via,
        )
    return request


ENDING_SOON = timedelta(minutes=10)


def grants_ending_notify(*, now=None) -> int:
    """Beat: tell each requester once that their grant ends within 10 minutes."""
    now = now or timezone.now()
    told = 0
    due = AccessRequest.objects.filter(
        status=RequestStatus.APPROVED,
        closed_at__isnull=True,
        ending_notified_at__isnull=True,
        grant_starts_at__lte=now,
        grant_ends_at__gt=now,
        grant_ends_at__lte=now + ENDING_SOON,
    ).select_related("project")
    for request in due:
        with transaction.atomic():
            if not AccessRequest.objects.filter(
                pk=request.pk, ending_notified_at__isnull=True
            ).update(ending_notified_at=now):
                continue
            minutes = max(1, request.seconds_left(now) // 60)
            notify(
                project=request.project,
                kind="grant_ending",
                subject=f"Your grant for {request.account_name} ends in {minutes} minutes",
                body=f"Your grant for {request.account_name} ends in {minutes} minutes; its "
                "console sessions end with it where revocation is on. Request again to go on.",
                link=_link(request),
                emails=[request.requester_email],
            )
        told += 1
    return told


def requests_expire(*, now=None) -> int:
    """Beat: pending requests nobody decided in time expire. Returns how many."""
    now = now or timezone.now()
    expired = 0
    for request in AccessRequest.objects.filter(
        status=RequestStatus.PENDING, pending_until__lte=now
    ).select_related("project"):
        with transaction.atomic():
            changed = AccessRequest.objects.filter(
                pk=request.pk, status=RequestStatus.PENDING
            ).update(status=RequestStatus.EXPIRED, decided_at=now)
            if changed:
                audit_event_record(
                    actor=None,
                    action=AuditAction.REQUEST_EXPIRE,
                    project=request.project,
                    target=_target(request),
                    detail={"request": str(request.pk)},
                )
                expired += 1
    return expired


def grants_close(*, now=None) -> int:
    """Beat (and at once after an early end): every grant whose window has ended is closed,
    and its live console sessions are revoked where revocation is on. Returns how many."""
    now = now or timezone.now()
    closed = 0
    due = AccessRequest.objects.filter(
        status=RequestStatus.APPROVED, closed_at__isnull=True, grant_ends_at__lte=now
    ).select_related("project")
    for request in due:
        with transaction.atomic():
            if not AccessRequest.objects.filter(pk=request.pk, closed_at__isnull=True).update(
                closed_at=now
            ):
                continue
            audit_event_record(
                actor=None,
                action=AuditAction.GRANT_CLOSE,
                project=request.project,
                target=_target(request),
                detail={"request": str(request.pk), "ended_early": bool(request.ended_by_id)},
            )
        grant_sessions_revoke(
            grant=request,
            actor=request.ended_by,
            reason=(
                f"Grant ended early: {request.end_reason}"
                if request.end_reason
                else "The grant ended."
            ),
        )
        closed += 1
    return closed
