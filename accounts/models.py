import regex
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from accounts.lifetime import console_lifetime
from pamsite.aws import console
from pamsite.aws.arns import InvalidRoleArn, parse_role_arn
from pamsite.durations import MAX_SECONDS, MIN_SECONDS, format_duration
from pamsite.validators import validate_display_name, validate_role_arn, validate_session_duration
from resources.models import Validated

# A fresh sign-in asked for within 1 minute to 8 hours (a working day) before Access.
STEP_UP_MIN = 1
STEP_UP_MAX = 480
# On-request accounts (access_requests): how many approvals, how long a grant and a pending
# request may last, and break-glass's shorter maximum.
APPROVALS_MAX = 5
GRANT_MIN_SECONDS = 15 * 60
GRANT_MAX_SECONDS = 12 * 3600
PENDING_HOURS_MAX = 7 * 24
BREAK_GLASS_MAX_SECONDS = 3600


class AccessPolicy(models.TextChoices):
    STANDING = "standing", "Standing: members open it directly"
    ON_REQUEST = "request", "On request: a grant approved by others"


class Account(Validated):
    """A target role under a Resource that members may open in the console."""

    resource = models.ForeignKey(
        "resources.Resource", on_delete=models.CASCADE, related_name="accounts"
    )
    name = models.CharField(max_length=100, validators=[validate_display_name])
    description = models.CharField(max_length=500, blank=True)
    target_role_arn = models.CharField(
        "Target Role ARN", max_length=2048, validators=[validate_role_arn]
    )
    session_duration = models.PositiveIntegerField(
        "Session duration (seconds)", default=3600, validators=[validate_session_duration]
    )
    # Step-up: a sign-in within the last N minutes before the console opens (identity.stepup).
    step_up_minutes = models.PositiveSmallIntegerField(
        "Fresh sign-in (minutes)",
        null=True,
        blank=True,
        validators=[MinValueValidator(STEP_UP_MIN), MaxValueValidator(STEP_UP_MAX)],
    )
    # Where the console opens: a region of the role's partition (empty: PAM_CONSOLE_REGION, else
    # the global console), a page (empty: the console home), and other pages members may pick
    # at click time, one per line as "Label | page" (pamsite.aws.console).
    console_region = models.CharField(
        "Console region", max_length=32, blank=True, default="", db_default=""
    )
    destination = models.CharField(
        "Console page", max_length=2048, blank=True, default="", db_default=""
    )
    destinations = models.TextField("Other console pages", blank=True, default="", db_default="")
    # Who may open it: every member (standing), or whoever holds an approved grant.
    access_policy = models.CharField(
        max_length=10,
        choices=AccessPolicy.choices,
        default=AccessPolicy.STANDING,
        db_default=AccessPolicy.STANDING,
    )
    approvals_required = models.PositiveSmallIntegerField(
        default=1,
        db_default=1,
        validators=[MinValueValidator(1), MaxValueValidator(APPROVALS_MAX)],
    )
    # Who may approve: these members, or (none named) the project's admins.
    approvers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    reason_required = models.BooleanField(default=True, db_default=True)
    ticket_pattern = models.CharField(max_length=200, blank=True, default="", db_default="")
    max_grant_seconds = models.PositiveIntegerField(
        default=3600,
        db_default=3600,
        validators=[MinValueValidator(GRANT_MIN_SECONDS), MaxValueValidator(GRANT_MAX_SECONDS)],
    )
    pending_hours = models.PositiveSmallIntegerField(
        default=24,
        db_default=24,
        validators=[MinValueValidator(1), MaxValueValidator(PENDING_HOURS_MAX)],
    )
    break_glass_allowed = models.BooleanField(default=False, db_default=False)
    break_glass_seconds = models.PositiveIntegerField(
        default=1800,
        db_default=1800,
        validators=[
            MinValueValidator(GRANT_MIN_SECONDS),
            MaxValueValidator(BREAK_GLASS_MAX_SECONDS),
        ],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Retired: its console can no longer be opened nor the account changed; it and its
    # sessions stay, as the audit trail's history (accounts.services.account_retire).
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "name"], name="account_name_per_resource"),
            models.CheckConstraint(
                condition=models.Q(
                    session_duration__gte=MIN_SECONDS, session_duration__lte=MAX_SECONDS
                ),
                name="account_session_duration_15m_to_1h",
            ),
            models.CheckConstraint(
                condition=models.Q(step_up_minutes__isnull=True)
                | models.Q(step_up_minutes__gte=STEP_UP_MIN, step_up_minutes__lte=STEP_UP_MAX),
                name="account_step_up_1_to_480_minutes",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The region and pages belong to the partition of the target role."""
        super().clean()
        try:
            partition = parse_role_arn(self.target_role_arn).partition
        except InvalidRoleArn:
            return  # the field's own validator says what is wrong with it
        errors = {}
        if self.ticket_pattern:
            try:
                regex.compile(self.ticket_pattern)
            except regex.error as exc:
                errors["ticket_pattern"] = ValidationError(
                    f"Not a regular expression ({exc}). Write one like [A-Z]+-\\d+ for JIRA-123.",
                    code="invalid_pattern",
                )
        checks = {
            "console_region": lambda value: console.check_region(value, partition),
            "destination": lambda value: console.check_page(value, partition),
            "destinations": lambda value: console.parse_pages(value, partition),
        }
        for name, check in checks.items():
            value = getattr(self, name)
            if value.strip():
                try:
                    check(value)
                except console.InvalidConsolePage as exc:
                    errors[name] = ValidationError(str(exc), code="invalid_console_page")
        if errors:
            raise ValidationError(errors)

    @property
    def pages(self) -> list[console.ConsolePage]:
        """What a member may open: the console page (or home), then the other pages (only the
        first when the stored ARN or pages no longer parse: Access then says what is wrong)."""
        first = console.ConsolePage(
            label=console.label_for(self.destination) if self.destination else "console home",
            page=self.destination,
        )
        try:
            partition = parse_role_arn(self.target_role_arn).partition
            return [first, *console.parse_pages(self.destinations, partition)]
        except (InvalidRoleArn, console.InvalidConsolePage):
            return [first]

    @property
    def on_request(self) -> bool:
        return self.access_policy == AccessPolicy.ON_REQUEST

    def policy_snapshot(self) -> dict:
        """The policy a request is made under, kept with it (a later change does not move it)."""
        return {
            "approvals_required": self.approvals_required,
            "approver_ids": sorted(self.approvers.values_list("pk", flat=True)),
            "reason_required": self.reason_required,
            "ticket_pattern": self.ticket_pattern,
            "max_grant_seconds": self.max_grant_seconds,
            "pending_hours": self.pending_hours,
            "break_glass_allowed": self.break_glass_allowed,
            "break_glass_seconds": self.break_glass_seconds,
        }

    @property
    def lifetime(self):
        """How long its console lasts, and why (accounts.lifetime)."""
        return console_lifetime(session_duration=self.session_duration)

    @property
    def is_retired(self) -> bool:
        """Retired itself, or under a retired Resource: either way it cannot be opened."""
        return self.retired_at is not None or self.resource.retired_at is not None

    @property
    def session_duration_display(self) -> str:
        return format_duration(self.session_duration)


class RevocationPolicy(models.Model):
    """A deny policy written on a target role to take sessions back, kept until no session it
    could match is alive, then deleted from AWS (accounts.revocation: the one write path)."""

    class Kind(models.TextChoices):
        ONE = "one", "One session"
        OLDER = "older", "Every session issued before"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="revocations")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    role_arn = models.CharField(max_length=2048)
    policy_name = models.CharField(max_length=128)
    document = models.JSONField()
    written_at = models.DateTimeField(default=timezone.now)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    delete_after = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-written_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["role_arn", "policy_name"],
                condition=models.Q(deleted_at__isnull=True),
                name="revocation_one_live_policy_per_name",
            )
        ]
        indexes = [
            models.Index(
                fields=["delete_after"],
                condition=models.Q(deleted_at__isnull=True),
                name="revocation_cleanup_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy_name} on {self.role_arn}"
