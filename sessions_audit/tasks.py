"""Celery tasks of the sessions_audit app."""

from celery import shared_task

from sessions_audit.services import sessions_expire


@shared_task
def sessions_expire_task() -> int:
    """Beat, every minute: active sessions past expires_at become expired."""
    return sessions_expire()


@shared_task
def session_events_fetch_task(session_id: str) -> int:
    """Fetch one session's CloudTrail events; returns how many it has."""
    from sessions_audit.evidence import session_events_fetch
    from sessions_audit.models import AccessSession

    session = AccessSession.objects.filter(pk=session_id).first()
    if session is None:
        return 0
    return session_events_fetch(session=session).session.events.count()


@shared_task
def sessions_evidence_due_task() -> int:
    """Beat: queue the fetch of every session whose CloudTrail events are due."""
    from sessions_audit.evidence import sessions_evidence_due

    due = sessions_evidence_due()
    for pk in due:
        session_events_fetch_task.delay(str(pk))
    return len(due)
