"""The audit of changes to people's sign-in accounts (Django's User), made in Django admin.

The email is the role session name CloudTrail shows and the flags decide who may do what, so
each change is an audit event with its old and new values. People with history (sessions, or
audit events they made) are deactivated, never deleted: the trail keeps naming them.
"""

from resources.models import Membership
from resources.signals import access_lost_on_commit
from sessions_audit.models import AccessSession, AuditAction, AuditEvent
from sessions_audit.services import VIA_ADMIN, audit_event_record

# The fields of a User whose changes are audited.
AUDITED_FIELDS = ("username", "email", "is_active", "is_staff", "is_superuser")

USER_HAS_HISTORY = (
    "{user} cannot be deleted: their console sessions and audit events name them, and the "
    "audit trail is never rewritten. Deactivate the user instead (clear Active): they can "
    "no longer sign in."
)


def user_has_history(user) -> bool:
    return (
        AccessSession.objects.filter(user=user).exists()
        or AuditEvent.objects.filter(actor=user).exists()
    )


def user_values(user) -> dict:
    return {name: getattr(user, name) for name in AUDITED_FIELDS}


def user_changes_record(*, actor, user, before: dict, via: str = VIA_ADMIN) -> AuditEvent | None:
    """After a User was saved: one audit event with the audited fields that changed (new
    values in detail, old ones under "old"), or nothing when none did. Call inside the
    transaction of the save."""
    after = user_values(user)
    changed = {name for name in AUDITED_FIELDS if before.get(name) != after[name]}
    if not changed:
        return None
    if "is_active" in changed and not after["is_active"]:
        # Deactivated: their live console sessions go too, in every project.
        who = getattr(actor, "email", "") or getattr(actor, "username", "") or "an admin"
        for membership in Membership.objects.filter(user=user).select_related("project"):
            access_lost_on_commit(
                user=user,
                project=membership.project,
                actor=actor,
                reason=f"User deactivated by {who}.",
            )
    return audit_event_record(
        actor=actor,
        action=AuditAction.USER_UPDATE,
        target=user.email or user.get_username(),
        detail={name: after[name] for name in sorted(changed)},
        old={name: before.get(name) for name in sorted(changed)},
        via=via,
    )


def user_password_set_record(*, actor, user, via: str = VIA_ADMIN) -> AuditEvent:
    """An admin set someone's password (never the password itself, nor its hash)."""
    return audit_event_record(
        actor=actor,
        action=AuditAction.USER_PASSWORD_SET,
        target=user.email or user.get_username(),
        detail={"user_id": user.pk},
        via=via,
    )
