"""Taking live console sessions back: one session, every session of an Account, a person's
sessions when their access goes away, and removing the deny policies once they are spent.

The Resource Role writes the deny (pamsite.aws.revocation) on the target role; the session
rows become revoked with who, when and why only after AWS accepted it, in one transaction
with the audit event and the RevocationPolicy row that the cleanup later deletes. No database
transaction is held open across an AWS call. A refusal by AWS changes no session and is
itself an audit event, with AWS's code.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, RevocationPolicy
from notifications.services import notify
from pamsite.aws import revocation as iam_deny
from pamsite.aws.chain import bridge_session
from pamsite.aws.errors import AwsError
from resources.models import Resource
from resources.permissions import Capability, require
from sessions_audit.models import AccessSession, AuditAction
from sessions_audit.services import VIA_APP, access_sessions_mark_revoked, audit_event_record

logger = logging.getLogger(__name__)

REASON_MAX = 500
APPLIES_IN_MINUTES = (
    "AWS applies it within a few minutes (IAM is eventually consistent); the console then "
    "refuses everything the session does."
)


@dataclass(frozen=True)
class RevokeOutcome:
    """What a revocation did: the sessions marked revoked, or the AWS error (nothing marked)."""

    revoked: list = field(default_factory=list)
    error: AwsError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _clean_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(
            {"reason": "Say why: the reason is kept with the session and shown to its owner."}
        )
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"At most {REASON_MAX} characters."})
    return reason


def _refuse_unless_enabled(resource: Resource) -> None:
    if not resource.revocation_enabled:
        raise ValidationError(
            f"Revocation is off for Resource {resource.name}. A project admin turns it on on the "
            "Resource's page and adds the revocation statement to the Resource Role's "
            "permissions in AWS; until then a session can only be left to expire.",
            code="revocation_off",
        )


def _bridge_credentials(resource: Resource):
    return bridge_session(
        resource_role_arn=resource.resource_role_arn,
        external_id=resource.project.external_id,
        region=settings.AWS_REGION,
        cache_version=resource.updated_at.isoformat(),
    ).credentials


def _issued_at(session: AccessSession):
    # STS sets Expiration = issue time + DurationSeconds, to the second.
    return session.expires_at - timezone.timedelta(seconds=session.duration_seconds or 0)


def _write(*, resource: Resource, role_arn: str, name: str, document: dict) -> AwsError | None:
    try:
        iam_deny.put(_bridge_credentials(resource), role_arn=role_arn, name=name, document=document)
    except AwsError as exc:
        return exc
    return None


def _failed(*, actor, project, target: str, error: AwsError, via: str, **detail) -> RevokeOutcome:
    audit_event_record(
        actor=actor,
        action=AuditAction.SESSION_REVOKE_FAILED,
        project=project,
        target=target,
        detail={**detail, "code": error.code, "hint": error.hint},
        via=via,
    )
    logger.warning("Revocation failed: %s code=%s", target, error.code)
    return RevokeOutcome(error=error)


def session_revoke(
    *, actor, session: AccessSession, reason: str, via: str = VIA_APP
) -> RevokeOutcome:
    """Take one live console session back: `PamRevoke-<id>` on its target role, then the
    session reads revoked. ValidationError when it cannot be (not live, revocation off, no
    reason); PermissionDenied for anyone but the project's admins."""
    session = AccessSession.objects.select_related("resource__project", "account").get(
        pk=session.pk
    )
    require(user=actor, project=session.resource.project, capability=Capability.MANAGE_PROJECT)
    return _session_revoke(actor=actor, session=session, reason=reason, via=via)


def _session_revoke(*, actor, session: AccessSession, reason: str, via: str) -> RevokeOutcome:
    """session_revoke without the capability check: for callers that made it already (the
    services whose change took the person's access away)."""
    project = session.resource.project
    reason = _clean_reason(reason)
    if session.effective_status != AccessSession.Status.ACTIVE:
        raise ValidationError(
            f"This session is {session.effective_status}: only a live session can be revoked.",
            code="not_live",
        )
    _refuse_unless_enabled(session.resource)
    now = timezone.now()
    name = iam_deny.one_session_policy_name(session.pk)
    document = iam_deny.one_session_document(
        assumed_role_id=session.assumed_role_id,
        issued_at=_issued_at(session),
        revoked_at=now,
        session_id=session.pk if session.tagged else None,
    )
    error = _write(
        resource=session.resource, role_arn=session.target_role_arn, name=name, document=document
    )
    if error:
        return _failed(
            actor=actor,
            project=project,
            target=f"{session.user_email} → {session.account_name}",
            error=error,
            via=via,
            session=str(session.pk),
            policy=name,
        )
    with transaction.atomic():
        _policy_keep(
            account=session.account,
            kind=RevocationPolicy.Kind.ONE,
            role_arn=session.target_role_arn,
            name=name,
            document=document,
            actor=actor,
            now=now,
            delete_after=iam_deny.delete_after(now),
        )
        revoked = access_sessions_mark_revoked(
            session_ids=[session.pk], actor=actor, reason=reason, policy_name=name, revoked_at=now
        )
        notify(
            project=project,
            kind="session_revoked",
            subject=f"Your console session on {session.account_name} was revoked",
            body=f"{(actor.email if actor else 'The app')} revoked your console session on "
            f"{session.account_name} in {project.name}: {reason}. AWS refuses its requests "
            "within a few minutes.",
            link=reverse("sessions_audit:mine"),
            emails=[session.user_email],
        )
        audit_event_record(
            actor=actor,
            action=AuditAction.SESSION_REVOKE,
            project=project,
            target=f"{session.user_email} → {session.account_name}",
            detail={
                "session": str(session.pk),
                "reason": reason,
                "policy": name,
                "role_arn": session.target_role_arn,
                "assumed_role_id": session.assumed_role_id,
            },
            via=via,
        )
    return RevokeOutcome(revoked=revoked)


def account_sessions_revoke(
    *, actor, account: Account, reason: str, via: str = VIA_APP
) -> RevokeOutcome:
    """Every session of the Account's role issued before now (the console's "Revoke active
    sessions"): one `PamRevokeOlder` policy, and the Account's live sessions read revoked. It
    denies every session of that role issued before now, also any not opened from here."""
    account = Account.objects.select_related("resource__project").get(pk=account.pk)
    project = account.resource.project
    require(user=actor, project=project, capability=Capability.MANAGE_PROJECT)
    reason = _clean_reason(reason)
    _refuse_unless_enabled(account.resource)
    now = timezone.now()
    document = iam_deny.older_sessions_document(before=now)
    error = _write(
        resource=account.resource,
        role_arn=account.target_role_arn,
        name=iam_deny.OLDER_NAME,
        document=document,
    )
    if error:
        return _failed(
            actor=actor,
            project=project,
            target=account.name,
            error=error,
            via=via,
            policy=iam_deny.OLDER_NAME,
        )
    with transaction.atomic():
        _policy_keep(
            account=account,
            kind=RevocationPolicy.Kind.OLDER,
            role_arn=account.target_role_arn,
            name=iam_deny.OLDER_NAME,
            document=document,
            actor=actor,
            now=now,
            delete_after=iam_deny.delete_after(now),
        )
        live = AccessSession.objects.filter(account=account).with_status(
            AccessSession.Status.ACTIVE
        )
        revoked = access_sessions_mark_revoked(
            session_ids=live.values_list("pk", flat=True),
            actor=actor,
            reason=reason,
            policy_name=iam_deny.OLDER_NAME,
            revoked_at=now,
        )
        audit_event_record(
            actor=actor,
            action=AuditAction.ACCOUNT_SESSIONS_REVOKE,
            project=project,
            target=account.name,
            detail={
                "reason": reason,
                "policy": iam_deny.OLDER_NAME,
                "role_arn": account.target_role_arn,
                "issued_before": now.isoformat(),
                "sessions": [str(pk) for pk in revoked],
            },
            via=via,
        )
    return RevokeOutcome(revoked=revoked)


def person_sessions_revoke(*, actor, user, project, reason: str, via: str = VIA_APP) -> list:
    """When someone's access to a project goes away: each of their live sessions there whose
    Resource has revocation on is revoked. Returns the outcomes (one per session). Called
    after the service that removed the access checked its caller (`actor`: that caller, or
    None for a change the identity provider made)."""
    live = (
        AccessSession.objects.filter(user=user, project=project, resource__revocation_enabled=True)
        .with_status(AccessSession.Status.ACTIVE)
        .select_related("resource__project", "account")
    )
    outcomes = []
    for session in live:
        try:
            outcomes.append(_session_revoke(actor=actor, session=session, reason=reason, via=via))
        except ValidationError as exc:  # it ended meanwhile
            logger.info("Not revoked (%s): session=%s", " ".join(exc.messages), session.pk)
    return outcomes


def grant_sessions_revoke(*, grant, actor, reason: str, via: str = VIA_APP) -> list:
    """A grant ended: its live console sessions are revoked where the Resource has revocation
    on (called by access_requests once the grant is closed)."""
    live = (
        AccessSession.objects.filter(grant=grant, resource__revocation_enabled=True)
        .with_status(AccessSession.Status.ACTIVE)
        .select_related("resource__project", "account")
    )
    outcomes = []
    for session in live:
        try:
            outcomes.append(_session_revoke(actor=actor, session=session, reason=reason, via=via))
        except ValidationError as exc:
            logger.info("Not revoked (%s): session=%s", " ".join(exc.messages), session.pk)
    return outcomes


def role_deny_policies(*, resource: Resource, role_arn: str) -> dict[str, dict]:
    """The revocation policies (PamRevoke-*, PamRevokeOlder) on a target role as AWS holds
    them, read with the Resource Role's session. AwsError when they cannot be read."""
    credentials = _bridge_credentials(resource)
    return {
        name: iam_deny.get(credentials, role_arn=role_arn, name=name)
        for name in iam_deny.names(credentials, role_arn=role_arn)
        if name == iam_deny.OLDER_NAME or name.startswith(iam_deny.ONE_PREFIX)
    }


def _policy_keep(*, account, kind, role_arn, name, document, actor, now, delete_after) -> None:
    """Remember a written policy until the cleanup removes it; a rewrite of the same policy
    (PamRevokeOlder, or the same session twice) replaces the live row's document and date."""
    RevocationPolicy.objects.update_or_create(
        role_arn=role_arn,
        policy_name=name,
        deleted_at=None,
        defaults={
            "account": account,
            "kind": kind,
            "document": document,
            "written_at": now,
            "written_by": actor if getattr(actor, "pk", None) else None,
            "delete_after": delete_after,
            "last_error": "",
        },
    )


def revocations_cleanup(*, now=None) -> int:
    """Delete each deny policy whose sessions can no longer be alive (its delete_after has
    passed); NoSuchEntity counts as done. Each deletion is recorded; a failure is kept on the
    row and tried again next time. Returns how many were removed."""
    now = now or timezone.now()
    due = RevocationPolicy.objects.filter(deleted_at__isnull=True, delete_after__lte=now)
    removed = 0
    for policy in due.select_related("account__resource__project"):
        resource = policy.account.resource
        try:
            existed = iam_deny.delete(
                _bridge_credentials(resource), role_arn=policy.role_arn, name=policy.policy_name
            )
        except AwsError as exc:
            RevocationPolicy.objects.filter(pk=policy.pk).update(
                last_error=f"{exc.code}: {exc.hint}"[:500]
            )
            logger.warning("Revocation cleanup failed: %s code=%s", policy, exc.code)
            continue
        with transaction.atomic():
            RevocationPolicy.objects.filter(pk=policy.pk).update(deleted_at=now, last_error="")
            audit_event_record(
                actor=None,
                action=AuditAction.REVOCATION_CLEANUP,
                project=resource.project,
                target=policy.account.name,
                detail={
                    "policy": policy.policy_name,
                    "role_arn": policy.role_arn,
                    "already_gone": not existed,
                },
            )
        removed += 1
    return removed
