"""Writes for projects, memberships and resources. Each runs in one transaction with its
audit row; validation against AWS is enqueued after commit."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify

from resources.models import Membership, Project, Resource
from sessions_audit.services import audit_event_record


def _require_admin(*, user, project: Project) -> None:
    if not Membership.objects.filter(
        user=user, project=project, role=Membership.Role.ADMIN
    ).exists():
        raise PermissionDenied("Only a project admin can do this.")


@transaction.atomic
def project_create(*, name: str, owner, slug: str = "") -> Project:
    """Create a project and make `owner` its first admin."""
    project = Project(name=name.strip(), slug=slug or slugify(name)[:60])
    project.full_clean()
    project.save()
    Membership.objects.create(user=owner, project=project, role=Membership.Role.ADMIN)
    audit_event_record(actor=owner, action="project.create", project=project, target=project.name)
    return project


@transaction.atomic
def membership_set(*, actor, project: Project, email: str, role: str) -> Membership:
    """Add the user with this email to the project, or change their role."""
    _require_admin(user=actor, project=project)
    email = email.strip()
    user = get_user_model().objects.filter(email__iexact=email).first()
    if user is None:
        raise ValidationError(
            {"email": f"No user has the email {email}. Ask them to sign up first."}
        )
    if role not in Membership.Role.values:
        raise ValidationError({"role": "Choose admin, member or auditor."})
    membership = Membership.objects.filter(user=user, project=project).first()
    if membership and membership.role == Membership.Role.ADMIN and role != Membership.Role.ADMIN:
        _refuse_last_admin(project=project)
    membership, _ = Membership.objects.update_or_create(
        user=user, project=project, defaults={"role": role}
    )
    audit_event_record(
        actor=actor,
        action="membership.set",
        project=project,
        target=email,
        detail={"role": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, actor, membership: Membership) -> None:
    _require_admin(user=actor, project=membership.project)
    if membership.role == Membership.Role.ADMIN:
        _refuse_last_admin(project=membership.project)
    audit_event_record(
        actor=actor,
        action="membership.remove",
        project=membership.project,
        target=membership.user.email,
    )
    membership.delete()


def _refuse_last_admin(*, project: Project) -> None:
    admins = Membership.objects.select_for_update().filter(
        project=project, role=Membership.Role.ADMIN
    )
    if admins.count() <= 1:
        raise ValidationError({"role": "A project needs at least one admin."})


@transaction.atomic
def resource_create(
    *, actor, project: Project, name: str, resource_role_arn: str, description: str = ""
) -> Resource:
    """Register an AWS account connection; its validation runs after commit."""
    _require_admin(user=actor, project=project)
    resource = Resource(
        project=project,
        name=name.strip(),
        description=description.strip(),
        resource_role_arn=resource_role_arn.strip(),
        created_by=actor,
    )
    resource.full_clean()
    resource.save()
    audit_event_record(
        actor=actor,
        action="resource.create",
        project=project,
        target=resource.name,
        detail={"resource_role_arn": resource.resource_role_arn},
    )
    return resource


@transaction.atomic
def resource_update(
    *, actor, resource: Resource, name: str, resource_role_arn: str, description: str = ""
) -> Resource:
    """Change a resource; a new role ARN sends it back to pending and re-validates."""
    _require_admin(user=actor, project=resource.project)
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    old_arn = resource.resource_role_arn
    resource.name = name.strip()
    resource.description = description.strip()
    resource.resource_role_arn = resource_role_arn.strip()
    arn_changed = resource.resource_role_arn != old_arn
    if arn_changed:
        resource.validation_status = Resource.ValidationStatus.PENDING
        resource.validation_code = ""
        resource.validation_hint = ""
        resource.validation_warnings = []
    resource.full_clean()
    resource.save()
    audit_event_record(
        actor=actor,
        action="resource.update",
        project=resource.project,
        target=resource.name,
        detail={"resource_role_arn": resource.resource_role_arn, "arn_changed": arn_changed},
    )
    return resource
