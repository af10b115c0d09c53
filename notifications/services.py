"""Notifications from an outbox: `notify` writes the messages in the caller's transaction and
queues their delivery after commit (notifications.delivery sends them). Messages link into the
app; none carries an approve button (approval stays behind this app's sign-in and step-up).
The project's Slack webhook is set and removed here, encrypted."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from notifications.delivery import box
from notifications.models import Notification, SlackChannel
from notifications.tasks import notification_deliver_task
from resources.permissions import Capability, require
from sessions_audit.models import AuditAction
from sessions_audit.services import VIA_APP, audit_event_record

logger = logging.getLogger(__name__)

SLACK_PREFIX = "https://hooks.slack.com/services/"


def slack_webhook_set(*, actor, project, url: str, via: str = VIA_APP) -> SlackChannel:
    """Store the project's Slack incoming webhook, encrypted. The URL is never shown back
    whole, logged or put in the audit trail (its last 4 characters are, to tell it apart)."""
    require(user=actor, project=project, capability=Capability.MANAGE_PROJECT)
    url = (url or "").strip()
    if not url.startswith(SLACK_PREFIX) or len(url) > 500 or any(ch.isspace() for ch in url):
        raise ValidationError(
            {"webhook": f"Give the incoming webhook's URL as Slack shows it: {SLACK_PREFIX}…"}
        )
    secret_box = box()
    if secret_box is None:
        raise ValidationError(
            {
                "webhook": "This server has no PAM_ENCRYPTION_KEY, so it cannot store a webhook "
                "URL safely. A platform admin sets it (see the README's Configuration)."
            }
        )
    with transaction.atomic():
        channel, _ = SlackChannel.objects.update_or_create(
            project=project,
            defaults={
                "webhook_encrypted": secret_box.encrypt(url.encode()).decode(),
                "webhook_hint": url[-4:],
                "updated_by": actor,
            },
        )
        audit_event_record(
            actor=actor,
            action=AuditAction.SLACK_SET,
            project=project,
            target="Slack webhook",
            detail={"ends_with": url[-4:]},
            via=via,
        )
    return channel


def slack_webhook_remove(*, actor, project, via: str = VIA_APP) -> None:
    require(user=actor, project=project, capability=Capability.MANAGE_PROJECT)
    with transaction.atomic():
        deleted, _ = SlackChannel.objects.filter(project=project).delete()
        if deleted:
            audit_event_record(
                actor=actor, action=AuditAction.SLACK_REMOVE, project=project, via=via
            )


def _site(link: str) -> str:
    return settings.PAM_ISSUER_URL.rstrip("/") + link


def notify(*, project, kind: str, subject: str, body: str, link: str, emails=()) -> list:
    """Write the messages (an email to `emails`, and the project's Slack channel if it has
    one) in the current transaction; deliver them after it commits."""
    text = f"{body}\n\n{_site(link)}"
    rows = []
    emails = sorted({e for e in emails if e})
    if emails:
        rows.append(
            Notification(
                project=project,
                kind=kind,
                channel=Notification.Channel.EMAIL,
                recipients=emails,
                subject=subject[:200],
                body=text,
            )
        )
    if project is not None and SlackChannel.objects.filter(project=project).exists():
        rows.append(
            Notification(
                project=project,
                kind=kind,
                channel=Notification.Channel.SLACK,
                subject=subject[:200],
                body=text,
            )
        )
    created = Notification.objects.bulk_create(rows)
    ids = [row.pk for row in created]
    if ids:
        transaction.on_commit(lambda: _enqueue(ids))
    return created


def _enqueue(ids) -> None:
    for pk in ids:
        try:
            notification_deliver_task.delay(pk)
        except Exception:  # noqa: BLE001 - stays queued: beat delivers it
            logger.warning("Could not queue notification %s; beat will deliver it", pk)
