"""Writes for projects, their memberships and the SSO group rules that grant them. Each runs
in one transaction with its audit row and checks the caller's capability itself, whoever
called it (a page or Django admin); the SSO group sync is the sign-in's own doing."""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from pamsite.validators import normalize_display_name
from resources.models import ROLE_RANK, GroupRule, Invitation, Membership, Project, Role
from resources.permissions import Capability, require
from resources.signals import access_lost_on_commit
from sessions_audit.models import AuditAction
from sessions_audit.services import VIA_APP, VIA_SSO, audit_event_record, changed_values

logger = logging.getLogger(__name__)


@transaction.atomic
def project_create(*, name: str, owner, slug: str = "", actor=None, via: str = VIA_APP) -> Project:
    """Create a project and make `owner` its first admin. `actor`, who creates it, is a
    platform admin (Django staff); by default the owner is."""
    actor = actor or owner
    require(user=actor, project=None, capability=Capability.CREATE_PROJECTS)
    project = Project(name=normalize_display_name(name), slug=slug or slugify(name)[:60])
    project.full_clean()
    project.save()
    Membership.objects.create(user=owner, project=project, role=Role.ADMIN)
    audit_event_record(
        actor=actor,
        action=AuditAction.PROJECT_CREATE,
        project=project,
        target=project.name,
        detail={"slug": project.slug, "owner": owner.email},
        via=via,
    )
    return project


@transaction.atomic
def project_update(*, actor, project: Project, name: str, slug: str, via: str = VIA_APP) -> Project:
    """Rename a project or change its slug (its UUID, the External ID, never changes)."""
    require(user=actor, project=project, capability=Capability.MANAGE_PROJECT)
    project = Project.objects.select_for_update().get(pk=project.pk)
    before = {"name": project.name, "slug": project.slug}
    project.name = normalize_display_name(name)
    project.slug = slug.strip()
    project.full_clean()
    project.save()
    after = {"name": project.name, "slug": project.slug}
    audit_event_record(
        actor=actor,
        action=AuditAction.PROJECT_UPDATE,
        project=project,
        target=project.name,
        detail=after,
        old=changed_values(before, after),
        via=via,
    )
    return project


PROJECT_HAS_HISTORY = (
    "A project with history cannot be deleted: its sessions and audit events are the audit "
    "trail. Archive it instead; its history stays readable."
)


def project_has_history(project: Project) -> bool:
    return project.audit_events.exists() or project.access_sessions.exists()


@transaction.atomic
def project_archive(*, actor, project: Project, via: str = VIA_APP) -> Project:
    """Archive a project: no console can be opened in it and nothing in it changed any more;
    its sessions and audit events stay readable. There is no way back in the app."""
    require(user=actor, project=project, capability=Capability.MANAGE_PROJECT)
    project = Project.objects.select_for_update().get(pk=project.pk)
    project.archived_at = timezone.now()
    project.save(update_fields=["archived_at"])
    audit_event_record(
        actor=actor,
        action=AuditAction.PROJECT_ARCHIVE,
        project=project,
        target=project.name,
        detail={"archived_at": project.archived_at.isoformat()},
        via=via,
    )
    return project


@transaction.atomic
def project_delete(*, actor, project: Project, via: str = VIA_APP) -> None:
    """Delete a project that has no history yet (none made by the services: their creation is
    audited). Anything else is refused with PROJECT_HAS_HISTORY: archive it."""
    require(user=actor, project=project, capability=Capability.MANAGE_PROJECT)
    if project_has_history(project):
        raise ValidationError(PROJECT_HAS_HISTORY, code="has_history")
    # The event outlives the project, so it names it rather than pointing at it.
    audit_event_record(
        actor=actor,
        action=AuditAction.PROJECT_DELETE,
        project=None,
        target=project.name,
        detail={"project_id": str(project.pk), "slug": project.slug},
        via=via,
    )
    project.delete()


def _user_with_email(email: str):
    # One user per email, case-insensitively: the database enforces it (identity 0001).
    user = get_user_model().objects.filter(email__iexact=email).first()
    if user is None:
        raise ValidationError(
            {"email": f"No user has the email {email}. Ask them to sign in once first."}
        )
    return user


@transaction.atomic
def membership_set(
    *, actor, project: Project, role: str, email: str = "", user=None, via: str = VIA_APP
) -> Membership:
    """Add a person to the project, or change their role: by email (the Members page) or by
    user (Django admin). The membership is then manual: SSO group sync leaves it alone. The
    last admin cannot be demoted."""
    require(user=actor, project=project, capability=Capability.MANAGE_PROJECT)
    if user is None:
        email = email.strip()
        user = _user_with_email(email)
    if role not in Role.values:
        raise ValidationError({"role": "Choose admin, member or auditor."})
    membership = Membership.objects.select_for_update().filter(user=user, project=project).first()
    return _membership_write(
        actor=actor,
        project=project,
        user=user,
        membership=membership,
        role=role,
        source=Membership.Source.MANUAL,
        via=via,
    )


def _membership_write(
    *, actor, project, user, membership, role, source, via, detail=None
) -> Membership:
    """The one place a membership is created or changed, with its audit row."""
    old_role = membership.role if membership else None
    if old_role == Role.ADMIN and role != Role.ADMIN:
        _refuse_last_admin(project=project)
    if membership is None:
        membership = Membership(user=user, project=project, role=role)
    membership.role = role
    membership.source = source
    membership.full_clean(validate_unique=False)
    membership.save()
    if old_role in (Role.ADMIN, Role.MEMBER) and role == Role.AUDITOR:
        access_lost_on_commit(
            user=user,
            project=project,
            actor=actor,
            reason=f"Role changed to auditor by {_who(actor, via)}.",
        )
    audit_event_record(
        actor=actor,
        action=AuditAction.MEMBERSHIP_SET,
        project=project,
        target=user.email or user.get_username(),
        detail={"role": role, **(detail or {})},
        old={"role": old_role} if old_role != role else None,
        via=via,
    )
    return membership


@transaction.atomic
def membership_remove(*, actor, membership: Membership, via: str = VIA_APP) -> None:
    """Take a person out of the project. The last admin cannot be removed."""
    require(user=actor, project=membership.project, capability=Capability.MANAGE_PROJECT)
    _membership_delete(actor=actor, membership=membership, via=via)


def _who(actor, via: str) -> str:
    if via == VIA_SSO:
        return "the identity provider's groups"
    return getattr(actor, "email", "") or getattr(actor, "username", "") or "an admin"


def _membership_delete(*, actor, membership: Membership, via: str, detail=None) -> None:
    if membership.role == Role.ADMIN:
        _refuse_last_admin(project=membership.project)
    audit_event_record(
        actor=actor,
        action=AuditAction.MEMBERSHIP_REMOVE,
        project=membership.project,
        target=membership.user.email or membership.user.get_username(),
        detail=detail,
        old={"role": membership.role},
        via=via,
    )
    if membership.role != Role.AUDITOR:
        access_lost_on_commit(
            user=membership.user,
            project=membership.project,
            actor=actor,
            reason=f"Removed from the project by {_who(actor, via)}.",
        )
    membership.delete()


@transaction.atomic
def member_add(*, actor, project: Project, email: str, role: str, via: str = VIA_APP):
    """The Members page's "Add a person": the person with this email gets the role now, or,
    with no user yet, at their first SSO sign-in (an invitation). The page answers the same
    either way, so it does not tell whether an email has an account here."""
    require(user=actor, project=project, capability=Capability.MANAGE_PROJECT)
    email = email.strip()
    if get_user_model().objects.filter(email__iexact=email).exists():
        return membership_set(actor=actor, project=project, email=email, role=role, via=via)
    return invitation_create(actor=actor, project=project, email=email, role=role, via=via)


@transaction.atomic
def invitation_create(*, actor, project: Project, email: str, role: str, via: str = VIA_APP):
    """A pending role for someone who has not signed in yet (one per email and project; a
    second invitation changes its role). Emailed after commit when PAM_INVITATION_EMAILS."""
    require(user=actor, project=project, capability=Capability.MANAGE_PROJECT)
    if role not in Role.values:
        raise ValidationError({"role": "Choose admin, member or auditor."})
    email = email.strip()
    invitation = (
        Invitation.objects.select_for_update()
        .filter(project=project, email__iexact=email, status=Invitation.Status.PENDING)
        .first()
    )
    old_role = invitation.role if invitation else None
    invitation = invitation or Invitation(project=project, email=email, invited_by=actor)
    invitation.role = role
    invitation.full_clean(validate_constraints=False)
    invitation.save()
    audit_event_record(
        actor=actor,
        action=AuditAction.INVITATION_CREATE,
        project=project,
        target=email,
        detail={"role": role},
        old={"role": old_role} if old_role != role else None,
        via=via,
    )
    if settings.PAM_INVITATION_EMAILS:
        transaction.on_commit(lambda: _invitation_email(invitation))
    return invitation


def _invitation_email(invitation: Invitation) -> None:
    try:
        send_mail(
            subject=f"You are invited to {invitation.project.name} on PAM Console",
            message=(
                f"{invitation.project.name} gives you the role {invitation.get_role_display()}.\n"
                f"Sign in with your company's single sign-on at {settings.PAM_ISSUER_URL} "
                "to use it."
            ),
            from_email=None,
            recipient_list=[invitation.email],
        )
    except Exception:  # noqa: BLE001 - the invitation stands; the email is a courtesy
        logger.exception("Could not email the invitation %s", invitation.pk)


@transaction.atomic
def invitation_cancel(*, actor, invitation: Invitation, via: str = VIA_APP) -> None:
    require(user=actor, project=invitation.project, capability=Capability.MANAGE_PROJECT)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError("This invitation is no longer pending.")
    invitation.status = Invitation.Status.CANCELLED
    invitation.closed_at = timezone.now()
    invitation.save(update_fields=["status", "closed_at"])
    audit_event_record(
        actor=actor,
        action=AuditAction.INVITATION_CANCEL,
        project=invitation.project,
        target=invitation.email,
        old={"role": invitation.role},
        via=via,
    )


@transaction.atomic
def invitations_accept(*, user) -> list[str]:
    """At an SSO sign-in with a verified email: the pending invitations for it become
    (manual) memberships. Returns the projects' slugs."""
    accepted = []
    pending = (
        Invitation.objects.select_for_update()
        .select_related("project")
        .filter(email__iexact=user.email, status=Invitation.Status.PENDING)
        .filter(project__archived_at__isnull=True)
    )
    for invitation in pending:
        membership = Membership.objects.filter(user=user, project=invitation.project).first()
        if membership is None:
            _membership_write(
                actor=None,
                project=invitation.project,
                user=user,
                membership=None,
                role=invitation.role,
                source=Membership.Source.MANUAL,
                via=VIA_SSO,
                detail={"invitation": invitation.pk},
            )
        invitation.status = Invitation.Status.ACCEPTED
        invitation.closed_at = timezone.now()
        invitation.save(update_fields=["status", "closed_at"])
        audit_event_record(
            actor=user,
            action=AuditAction.INVITATION_ACCEPT,
            project=invitation.project,
            target=user.email,
            detail={"role": invitation.role},
            via=VIA_SSO,
        )
        accepted.append(invitation.project.slug)
    return accepted


@transaction.atomic
def group_rule_set(*, actor, project: Project, group: str, role: str, via: str = VIA_APP):
    """ "Members of identity-provider group `group` get `role` here", from the next SSO
    sign-in of each person on."""
    require(user=actor, project=project, capability=Capability.MANAGE_PROJECT)
    group = group.strip()
    rule = GroupRule.objects.select_for_update().filter(project=project, group=group).first()
    old_role = rule.role if rule else None
    rule = rule or GroupRule(project=project, group=group)
    rule.role = role
    rule.full_clean(validate_unique=False)
    rule.save()
    audit_event_record(
        actor=actor,
        action=AuditAction.GROUP_RULE_SET,
        project=project,
        target=group,
        detail={"role": role},
        old={"role": old_role} if old_role != role else None,
        via=via,
    )
    return rule


@transaction.atomic
def group_rule_remove(*, actor, rule: GroupRule, via: str = VIA_APP) -> None:
    """Drop a rule; the memberships it gave go at each person's next SSO sign-in."""
    require(user=actor, project=rule.project, capability=Capability.MANAGE_PROJECT)
    audit_event_record(
        actor=actor,
        action=AuditAction.GROUP_RULE_REMOVE,
        project=rule.project,
        target=rule.group,
        old={"role": rule.role},
        via=via,
    )
    rule.delete()


@transaction.atomic
def memberships_sync_from_groups(*, user, groups: Iterable[str]) -> list[str]:
    """At an SSO sign-in: the person's SSO memberships follow the group rules. Added where a
    rule now matches, changed where the best matching role changed, removed (as a manual
    removal is) where none matches any more. Manual memberships and archived projects are
    left alone; a last admin is kept (and logged). Returns what changed, for the log."""
    groups = set(groups)
    wanted: dict = {}
    for rule in GroupRule.objects.filter(group__in=groups, project__archived_at__isnull=True):
        best = wanted.get(rule.project_id)
        if best is None or ROLE_RANK.index(rule.role) < ROLE_RANK.index(best[0]):
            wanted[rule.project_id] = (rule.role, rule.group)
    held = {
        m.project_id: m
        for m in Membership.objects.select_for_update()
        .select_related("project", "user")
        .filter(user=user, project__archived_at__isnull=True)
    }
    changes = []
    for project_id in set(wanted) | {p for p, m in held.items() if m.source == "sso"}:
        membership = held.get(project_id)
        if membership is not None and membership.source == Membership.Source.MANUAL:
            continue
        if project_id not in wanted:
            try:
                with transaction.atomic():
                    _membership_delete(
                        actor=None,
                        membership=membership,
                        via=VIA_SSO,
                        detail={"source": "sso", "reason": "no group rule matches any more"},
                    )
            except ValidationError:
                logger.warning("SSO sync kept %s: the last admin of %s", user.pk, project_id)
                continue
            changes.append(f"removed from {membership.project.slug}")
            continue
        role, group = wanted[project_id]
        if membership is not None and membership.role == role:
            continue
        project = membership.project if membership else Project.objects.get(pk=project_id)
        try:
            with transaction.atomic():
                _membership_write(
                    actor=None,
                    project=project,
                    user=user,
                    membership=membership,
                    role=role,
                    source=Membership.Source.SSO,
                    via=VIA_SSO,
                    detail={"source": "sso", "group": group},
                )
        except ValidationError:
            logger.warning("SSO sync kept %s: the last admin of %s", user.pk, project.slug)
            continue
        changes.append(f"{role} in {project.slug}")
    return changes


def _refuse_last_admin(*, project: Project) -> None:
    admins = Membership.objects.select_for_update().filter(project=project, role=Role.ADMIN)
    if admins.count() <= 1:
        raise ValidationError({"role": "A project needs at least one admin."})
