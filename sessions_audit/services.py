from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models.functions import Now

from sessions_audit.models import AccessSession, AuditAction, AuditEvent

VIA_APP = "app"
VIA_ADMIN = "admin"
VIA_SSO = "sso"  # what the identity provider said at a sign-in
VIA = (VIA_APP, VIA_ADMIN, VIA_SSO)


def audit_event_record(
    *,
    actor,
    action: AuditAction,
    project=None,
    target: str = "",
    detail: dict[str, Any] | None = None,
    old: dict[str, Any] | None = None,
    via: str = VIA_APP,
) -> AuditEvent:
    """Write one audit row. Call inside the transaction of the change it describes.

    `detail` holds the new values, `old` the values they replaced (kept under "old", as Zulip's
    RealmAuditLog.extra_data does), `via` where the change was made: the app or Django admin.
    """
    if action not in AuditAction.values:
        raise ValueError(f"Unknown audit action {action!r}: add it to AuditAction.")
    if via not in VIA:
        raise ValueError(f"Unknown audit origin {via!r}.")
    extra = {**(detail or {}), "via": via}
    if old:
        extra["old"] = old
    return AuditEvent.objects.create(
        project=project,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_email=getattr(actor, "email", "") or getattr(actor, "username", "") or "",
        action=action,
        target=target[:300],
        detail=extra,
    )


def changed_values(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The entries of `before` whose value `after` changed: what an update's audit row keeps
    as "old"."""
    return {key: value for key, value in before.items() if after.get(key) != value}


USER_AGENT_MAX = 512
_SESSION_RELATIONS = ["user", "project", "resource", "account", "grant"]


def _session_clean(session: AccessSession) -> None:
    """full_clean for a new session row, minus the checks that cost a query each (on every
    Access click; bench/ counts the statements): the related rows were just loaded by the caller,
    and the database itself enforces the foreign keys, the fresh UUID key and the CHECK
    constraints. Field values (lengths, choices, email, IP) are still validated."""
    session.full_clean(
        exclude=_SESSION_RELATIONS, validate_unique=False, validate_constraints=False
    )


def _access_session_new(
    *,
    user,
    account,
    role_session_name: str,
    duration_seconds: int | None,
    source_ip: str | None,
    user_agent: str,
    step_up=None,
    session_id=None,
    source_identity: str = "",
    tagged: bool = False,
    grant=None,
) -> AccessSession:
    """`step_up`: the sign-in an Account that asks for one was opened with (an object with
    `method` and `at`, identity.stepup.SignIn), or None. `session_id`: the id made before hop 2
    (its pam-session tag); `source_identity` and `tagged`: what hop 2 carried."""
    resource = account.resource
    project = resource.project
    extra = {"id": session_id} if session_id else {}
    return AccessSession(
        **extra,
        source_identity=source_identity,
        tagged=tagged,
        grant=grant,
        user=user,
        user_email=user.email,
        project=project,
        project_name=project.name,
        resource=resource,
        resource_name=resource.name,
        account=account,
        account_name=account.name,
        target_role_arn=account.target_role_arn,
        role_session_name=role_session_name,
        duration_seconds=duration_seconds,
        source_ip=source_ip or None,
        user_agent=_printable(user_agent or "")[:USER_AGENT_MAX],
        step_up_method=step_up.method if step_up else "",
        stepped_up_at=step_up.at if step_up else None,
    )


def _printable(text: str) -> str:
    """The user agent is whatever the client sent: control and format characters (NUL, which
    PostgreSQL refuses to store, terminal escapes, bidi overrides) become U+FFFD."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in text)


@transaction.atomic
def access_session_record_active(
    *,
    user,
    account,
    role_session_name: str,
    duration_seconds: int,
    assumed_role_arn: str,
    assumed_role_id: str,
    expires_at: datetime,
    source_ip: str | None,
    user_agent: str,
    step_up=None,
    **hop2,
) -> AccessSession:
    """Record a console session that was opened. Takes names and ids only: no credential,
    sign-in token or login URL ever reaches this function. `hop2`: session_id,
    source_identity, tagged (_access_session_new)."""
    session = _access_session_new(
        user=user,
        account=account,
        role_session_name=role_session_name,
        duration_seconds=duration_seconds,
        source_ip=source_ip,
        user_agent=user_agent,
        step_up=step_up,
        **hop2,
    )
    session.status = AccessSession.Status.ACTIVE
    session.assumed_role_arn = assumed_role_arn
    session.assumed_role_id = assumed_role_id
    session.expires_at = expires_at
    _session_clean(session)
    session.save(force_insert=True)
    return session


@transaction.atomic
def access_session_record_failed(
    *,
    user,
    account,
    role_session_name: str,
    duration_seconds: int | None,
    failure_code: str,
    failure_message: str,
    source_ip: str | None,
    user_agent: str,
    step_up=None,
    **hop2,
) -> AccessSession:
    """Record an Access click that did not open a session, with the AWS error code and the
    hint shown to the user."""
    session = _access_session_new(
        user=user,
        account=account,
        role_session_name=role_session_name,
        duration_seconds=duration_seconds,
        source_ip=source_ip,
        user_agent=user_agent,
        step_up=step_up,
        **hop2,
    )
    session.status = AccessSession.Status.FAILED
    session.failure_code = failure_code[:100]
    session.failure_message = failure_message
    _session_clean(session)
    session.save(force_insert=True)
    return session


def access_sessions_mark_revoked(
    *, session_ids, actor, reason: str, policy_name: str, revoked_at: datetime
) -> list:
    """Mark the given sessions revoked (those still active and not past their expiry), with
    who, when, why and the deny policy; returns the ids marked. The one write of a revocation
    to the trail (the database's trigger allows exactly this change)."""
    ids = list(
        AccessSession.objects.select_for_update()
        .filter(pk__in=list(session_ids), status=AccessSession.Status.ACTIVE)
        .filter(expires_at__gt=revoked_at)
        .values_list("pk", flat=True)
    )
    AccessSession.objects.filter(pk__in=ids).update(
        status=AccessSession.Status.REVOKED,
        revoked_at=revoked_at,
        revoked_by=actor,
        revoked_by_email=actor.email if actor else "",
        revoke_reason=reason[:500],
        revocation_policy=policy_name[:128],
    )
    return ids


def sessions_expire() -> int:
    """Mark active sessions past expires_at as expired, in one UPDATE; returns how many.

    Idempotent: a second run finds nothing. Reads never depend on it having run (see
    AccessSessionQuerySet.with_effective_status); it keeps the stored status honest for
    exports, filters and the database's own indexes.
    """
    return AccessSession.objects.filter(
        status=AccessSession.Status.ACTIVE, expires_at__lte=Now()
    ).update(status=AccessSession.Status.EXPIRED)
