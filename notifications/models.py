from django.conf import settings
from django.db import models
from django.utils import timezone


class Notification(models.Model):
    """One message to deliver, written in the transaction of the change it is about and
    delivered by Celery afterwards (notifications.services): a slow or failing channel never
    blocks or fails the change. Holds no secret: a Slack webhook URL is read at delivery."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SLACK = "slack", "Slack"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    project = models.ForeignKey(
        "resources.Project", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=40)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipients = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="queued"),
                name="notification_queued",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind} ({self.status})"


class SlackChannel(models.Model):
    """A project's Slack incoming webhook. Its URL is a secret: stored encrypted (Fernet, key
    PAM_ENCRYPTION_KEY), shown back only as its last characters, never logged."""

    project = models.OneToOneField(
        "resources.Project", on_delete=models.CASCADE, related_name="slack_channel"
    )
    webhook_encrypted = models.TextField()
    webhook_hint = models.CharField(max_length=12)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Slack webhook …{self.webhook_hint}"
