"""Celery tasks of the notifications app: thin wrappers over notifications.delivery."""

from celery import shared_task

from notifications.delivery import deliver, deliver_queued


@shared_task
def notification_deliver_task(notification_id: int) -> str | None:
    return deliver(notification_id=notification_id)


@shared_task
def notifications_deliver_queued_task() -> int:
    return deliver_queued()
