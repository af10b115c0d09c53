import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


class AccessRequest(models.Model):
    """A member's request to open an on-request Account, and once approved, their grant: the
    window [grant_starts_at, grant_ends_at) in which Access opens it (access_requests.services
    is the one write path). It keeps the Account's policy as it was when it was made."""

    Status = RequestStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(
        "resources.Project", on_delete=models.PROTECT, related_name="access_requests"
    )
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="access_requests"
    )
    account_name = models.CharField(max_length=100)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_requests"
    )
    requester_email = models.CharField(max_length=254)
    reason = models.TextField(blank=True)
    ticket = models.CharField(max_length=100, blank=True)
    seconds = models.PositiveIntegerField()
    starts_at = models.DateTimeField()
    pending_until = models.DateTimeField()
    policy = models.JSONField()
    status = models.CharField(max_length=10, choices=RequestStatus.choices)
    break_glass = models.BooleanField(default=False)
    # Break-glass grants wait for an admin to look at them after the fact.
    needs_review = models.BooleanField(default=False)
    reviewed_after_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_after_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    grant_starts_at = models.DateTimeField(null=True, blank=True)
    grant_ends_at = models.DateTimeField(null=True, blank=True)
    # Ended early by an admin (grant_ends_at moves to then), with why.
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.CharField(max_length=500, blank=True)
    # When the grant's end was acted on (its live sessions revoked where revocation is on).
    closed_at = models.DateTimeField(null=True, blank=True)
    # When the requester was told the grant ends in 10 minutes.
    ending_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["project", "-created_at"], name="request_project_time"),
            models.Index(fields=["requester", "account", "status"], name="request_grant_lookup"),
            models.Index(
                fields=["pending_until"],
                condition=Q(status=RequestStatus.PENDING),
                name="request_pending_due",
            ),
            models.Index(
                fields=["grant_ends_at"],
                condition=Q(status=RequestStatus.APPROVED, closed_at__isnull=True),
                name="request_grant_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=RequestStatus.APPROVED)
                | Q(grant_starts_at__isnull=False, grant_ends_at__isnull=False),
                name="request_approved_has_a_window",
            )
        ]

    def __str__(self) -> str:
        return f"{self.requester_email} → {self.account_name} ({self.status})"

    def grant_active(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.status == RequestStatus.APPROVED
            and self.grant_starts_at is not None
            and self.grant_starts_at <= now < self.grant_ends_at
        )

    def seconds_left(self, now=None) -> int:
        now = now or timezone.now()
        return max(0, int((self.grant_ends_at - now).total_seconds())) if self.grant_ends_at else 0

    @property
    def approvals(self) -> int:
        return sum(1 for review in self.reviews.all() if review.decision == Review.Decision.APPROVE)


class Review(models.Model):
    """One reviewer's decision on one request. Nobody reviews their own request: the database
    refuses it (the requester is copied here for the check), admins included."""

    class Decision(models.TextChoices):
        APPROVE = "approve", "Approved"
        DENY = "deny", "Denied"

    request = models.ForeignKey(AccessRequest, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewer_email = models.CharField(max_length=254)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices)
    comment = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["request", "reviewer"], name="review_one_per_reviewer"),
            models.CheckConstraint(
                condition=~Q(reviewer=F("requester")), name="review_not_by_the_requester"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_email} {self.decision}"
