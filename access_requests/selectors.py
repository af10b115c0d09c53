"""Reads of requests and grants that pages and the Access click need."""

from django.utils import timezone

from access_requests.models import AccessRequest, RequestStatus
from resources.models import Membership, Role


def active_grant(*, user, account, now=None) -> AccessRequest | None:
    """The person's grant for the account that is open now (the one ending last), or None.
    One query: what an Access click on an on-request account adds."""
    now = now or timezone.now()
    return (
        AccessRequest.objects.filter(
            requester=user,
            account=account,
            status=RequestStatus.APPROVED,
            grant_starts_at__lte=now,
            grant_ends_at__gt=now,
        )
        .order_by("-grant_ends_at")
        .first()
    )


def grants_by_account(*, user, project, now=None) -> dict[int, AccessRequest]:
    """The person's open grants in the project, by account id (the Accounts list)."""
    now = now or timezone.now()
    found = {}
    for grant in AccessRequest.objects.filter(
        requester=user,
        project=project,
        status=RequestStatus.APPROVED,
        grant_starts_at__lte=now,
        grant_ends_at__gt=now,
    ).order_by("grant_ends_at"):
        found[grant.account_id] = grant
    return found


def pending_by_account(*, user, project) -> dict[int, AccessRequest]:
    return {
        r.account_id: r
        for r in AccessRequest.objects.filter(
            requester=user, project=project, status=RequestStatus.PENDING
        )
    }


def may_review(*, user, request: AccessRequest, membership: Membership | None) -> bool:
    """Whether `user` is one of the request's approvers (the ones its policy named, else the
    project's admins), and not its requester."""
    if user.pk == request.requester_id or membership is None:
        return False
    named = request.policy.get("approver_ids") or []
    if named:
        return user.pk in named and membership.role != Role.AUDITOR
    return membership.role == Role.ADMIN


def to_review(*, user, project, membership) -> list[AccessRequest]:
    """Pending requests of the project this person may review and has not yet (few at a
    time: the policy's approvers are read from each request's own snapshot)."""
    if membership is None or membership.role == Role.AUDITOR:
        return []
    pending = (
        AccessRequest.objects.filter(project=project, status=RequestStatus.PENDING)
        .exclude(requester=user)
        .exclude(reviews__reviewer=user)
        .order_by("created_at")
    )
    return [r for r in pending if may_review(user=user, request=r, membership=membership)]
