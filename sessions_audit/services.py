from typing import Any

from sessions_audit.models import AuditEvent


def audit_event_record(
    *, actor, action: str, project=None, target: str = "", detail: dict[str, Any] | None = None
) -> AuditEvent:
    """Write one audit row. Call inside the transaction of the change it describes."""
    return AuditEvent.objects.create(
        project=project,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_email=getattr(actor, "email", "") or getattr(actor, "username", "") or "",
        action=action,
        target=target[:300],
        detail=detail or {},
    )
