from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from pamsite.durations import MAX_SECONDS, MIN_SECONDS, format_duration
from pamsite.validators import validate_display_name, validate_role_arn, validate_session_duration
from resources.models import Validated

# A fresh sign-in asked for within 1 minute to 8 hours (a working day) before Access.
STEP_UP_MIN = 1
STEP_UP_MAX = 480


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

    @property
    def is_retired(self) -> bool:
        """Retired itself, or under a retired Resource: either way it cannot be opened."""
        return self.retired_at is not None or self.resource.retired_at is not None

    @property
    def session_duration_display(self) -> str:
        return format_duration(self.session_duration)
