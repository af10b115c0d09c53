"""Delivering the outbox: one attempt per call (email through Django's email backend, or the
project's Slack incoming webhook), each recorded as an audit event without the webhook URL; a
failing channel is tried again by beat (MAX_ATTEMPTS in all), then recorded as failed."""

import logging

import httpx
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from notifications.models import Notification, SlackChannel
from sessions_audit.models import AuditAction
from sessions_audit.services import audit_event_record

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
SLACK_TIMEOUT = httpx.Timeout(5.0, connect=3.0)


def box() -> Fernet | None:
    """The key that encrypts stored secrets (settings.PAM_ENCRYPTION_KEY), or None."""
    key = settings.PAM_ENCRYPTION_KEY
    return Fernet(key.encode()) if key else None


def _send(notification: Notification) -> None:
    if notification.channel == Notification.Channel.EMAIL:
        send_mail(
            subject=f"[PAM Console] {notification.subject}",
            message=notification.body,
            from_email=None,
            recipient_list=notification.recipients,
        )
        return
    channel = SlackChannel.objects.filter(project=notification.project).first()
    if channel is None:
        raise RuntimeError("the project has no Slack webhook any more")
    secret_box = box()
    try:
        url = secret_box.decrypt(channel.webhook_encrypted.encode()).decode() if secret_box else ""
    except InvalidToken:
        url = ""
    if not url:
        raise RuntimeError("the Slack webhook cannot be decrypted with PAM_ENCRYPTION_KEY")
    try:
        response = httpx.post(
            url,
            json={"text": f"*{notification.subject}*\n{notification.body}"},
            timeout=SLACK_TIMEOUT,
        )
    except httpx.HTTPError as exc:
        raise RuntimeError(f"Slack could not be reached ({type(exc).__name__})") from None
    if response.status_code != 200:
        raise RuntimeError(f"Slack answered HTTP {response.status_code}")


def deliver(*, notification_id: int) -> str | None:
    """One delivery attempt; returns the status. Failures are recorded without the webhook."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.status != Notification.Status.QUEUED:
            return notification.status if notification else None
        notification.attempts += 1
        try:
            _send(notification)
        except Exception as exc:  # noqa: BLE001 - any channel failure: recorded, tried again
            notification.last_error = str(exc)[:300]
            if notification.attempts >= MAX_ATTEMPTS:
                notification.status = Notification.Status.FAILED
            outcome = AuditAction.NOTIFICATION_FAILED
            logger.warning(
                "Notification %s (%s) failed: %s", notification.pk, notification.channel, exc
            )
        else:
            notification.status = Notification.Status.SENT
            notification.sent_at = timezone.now()
            notification.last_error = ""
            outcome = AuditAction.NOTIFICATION_SENT
        notification.save(update_fields=["attempts", "status", "sent_at", "last_error"])
        audit_event_record(
            actor=None,
            action=outcome,
            project=notification.project,
            target=f"{notification.channel}: {notification.subject}",
            detail={
                "kind": notification.kind,
                "attempt": notification.attempts,
                "recipients": notification.recipients,
                "error": notification.last_error,
            },
        )
    return notification.status


def deliver_queued() -> int:
    """Beat: another attempt for every message still queued. Returns how many were sent."""
    sent = 0
    for pk in Notification.objects.filter(status=Notification.Status.QUEUED).values_list(
        "pk", flat=True
    ):
        sent += deliver(notification_id=pk) == Notification.Status.SENT
    return sent
