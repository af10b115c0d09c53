"""Celery tasks of the sessions_audit app."""

from celery import shared_task

from sessions_audit.services import sessions_expire


@shared_task
def sessions_expire_task() -> int:
    """Beat, every minute: active sessions past expires_at become expired."""
    return sessions_expire()
