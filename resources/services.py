"""Writes for Resources (AWS account connections). Each runs in one transaction with its audit
row and checks the caller's capability itself; validation against AWS is queued after commit.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services import accounts_revalidate_for_resource
from pamsite.validators import normalize_display_name
from resources.models import Project, Resource
from resources.permissions import Capability, require
from resources.tasks import resource_validate_task
from resources.validation import enqueue_on_commit, mark_pending
from sessions_audit.models import AuditAction
from sessions_audit.services import VIA_APP, audit_event_record, changed_values


def resource_validation_enqueue(*, resource_id: int) -> None:
    """Queue the Resource's validation after the current transaction commits."""
    enqueue_on_commit(task=resource_validate_task, model=Resource, pk=resource_id)


def resource_refuse_if_retired(resource: Resource) -> None:
    """A retired Resource stays as history: nothing in it changes any more."""
    if resource.retired_at is not None:
        raise ValidationError(
            f"Resource {resource.name} is retired: it and its sessions stay in the audit trail, "
            "but it can no longer be changed.",
            code="retired",
        )


def _refuse_a_second_role_arn(resource: Resource) -> None:
    # IAM role names are unique case-insensitively, so is the ARN of a bridge role.
    taken = (
        Resource.objects.filter(
            project_id=resource.project_id,
            resource_role_arn__iexact=resource.resource_role_arn,
        )
        .exclude(pk=resource.pk)
        .first()
    )
    if taken is not None:
        if taken.retired_at is not None:
            advice = "It is retired and keeps its history; use another role for a new one."
        else:
            advice = f"Add the accounts to {taken.name} instead."
        raise ValidationError(
            {
                "resource_role_arn": ValidationError(
                    f"Resource {taken.name} already uses this Resource Role: a project has "
                    f"one Resource per role. {advice}",
                    code="role_arn_taken",
                )
            }
        )


def resource_fields(resource: Resource) -> dict:
    """The fields people edit, as resource_create/resource_update take them."""
    return {
        "name": resource.name,
        "description": resource.description,
        "resource_role_arn": resource.resource_role_arn,
        "revocation_enabled": resource.revocation_enabled,
        "source_identity_enabled": resource.source_identity_enabled,
        "session_tags_enabled": resource.session_tags_enabled,
        "cloudtrail_enabled": resource.cloudtrail_enabled,
    }


# An opt-in changes what hop 2 sends or what validation checks: the accounts validate again.
OPT_INS = (
    "revocation_enabled",
    "source_identity_enabled",
    "session_tags_enabled",
    "cloudtrail_enabled",
)


@transaction.atomic
def resource_create(
    *,
    actor,
    project: Project,
    name: str,
    resource_role_arn: str,
    description: str = "",
    revocation_enabled: bool = False,
    source_identity_enabled: bool = False,
    session_tags_enabled: bool = False,
    cloudtrail_enabled: bool = False,
    via: str = VIA_APP,
) -> Resource:
    """Register an AWS account connection; its validation runs after commit."""
    require(user=actor, project=project, capability=Capability.MANAGE_PROJECT)
    resource = Resource(
        project=project,
        name=normalize_display_name(name),
        description=description.strip(),
        resource_role_arn=resource_role_arn.strip(),
        revocation_enabled=revocation_enabled,
        source_identity_enabled=source_identity_enabled,
        session_tags_enabled=session_tags_enabled,
        cloudtrail_enabled=cloudtrail_enabled,
        created_by=actor,
    )
    _refuse_a_second_role_arn(resource)
    resource.full_clean()
    resource.save()
    audit_event_record(
        actor=actor,
        action=AuditAction.RESOURCE_CREATE,
        project=project,
        target=resource.name,
        detail={
            "resource_role_arn": resource.resource_role_arn,
            **{name: getattr(resource, name) for name in OPT_INS},
        },
        via=via,
    )
    resource_validation_enqueue(resource_id=resource.pk)
    return resource


@transaction.atomic
def resource_update(
    *,
    actor,
    resource: Resource,
    name: str,
    resource_role_arn: str,
    description: str = "",
    revocation_enabled: bool | None = None,
    source_identity_enabled: bool | None = None,
    session_tags_enabled: bool | None = None,
    cloudtrail_enabled: bool | None = None,
    via: str = VIA_APP,
) -> Resource:
    """Change a resource. A new Resource Role ARN sends it and every account under it back to
    pending, and validates them again; a changed opt-in validates the accounts again. An opt-in
    not given (None) stays as it is."""
    require(user=actor, project=resource.project, capability=Capability.MANAGE_PROJECT)
    resource = Resource.objects.select_for_update().select_related("project").get(pk=resource.pk)
    resource_refuse_if_retired(resource)
    before = resource_fields(resource)
    resource.name = normalize_display_name(name)
    resource.description = description.strip()
    resource.resource_role_arn = resource_role_arn.strip()
    chosen = {
        "revocation_enabled": revocation_enabled,
        "source_identity_enabled": source_identity_enabled,
        "session_tags_enabled": session_tags_enabled,
        "cloudtrail_enabled": cloudtrail_enabled,
    }
    for name, value in chosen.items():
        if value is not None:
            setattr(resource, name, bool(value))
    arn_changed = resource.resource_role_arn != before["resource_role_arn"]
    opt_ins_changed = any(getattr(resource, name) != before[name] for name in OPT_INS)
    if arn_changed:
        mark_pending(resource)
    _refuse_a_second_role_arn(resource)
    resource.full_clean()
    resource.save()
    after = resource_fields(resource)
    audit_event_record(
        actor=actor,
        action=AuditAction.RESOURCE_UPDATE,
        project=resource.project,
        target=resource.name,
        detail={
            "resource_role_arn": resource.resource_role_arn,
            "arn_changed": arn_changed,
            **{
                name: getattr(resource, name)
                for name in OPT_INS
                if name in changed_values(before, after)
            },
        },
        old=changed_values(before, after),
        via=via,
    )
    if arn_changed:
        resource_validation_enqueue(resource_id=resource.pk)
    if arn_changed or opt_ins_changed:
        accounts_revalidate_for_resource(resource=resource)
    return resource


@transaction.atomic
def resource_revalidate(*, actor, resource: Resource, via: str = VIA_APP) -> Resource:
    """Validate again: back to pending, audited, and queued after commit."""
    require(user=actor, project=resource.project, capability=Capability.MANAGE_PROJECT)
    resource = Resource.objects.select_for_update().select_related("project").get(pk=resource.pk)
    resource_refuse_if_retired(resource)
    fields = mark_pending(resource)
    resource.save(update_fields=[*fields, "updated_at"])
    audit_event_record(
        actor=actor,
        action=AuditAction.RESOURCE_REVALIDATE,
        project=resource.project,
        target=resource.name,
        via=via,
    )
    resource_validation_enqueue(resource_id=resource.pk)
    return resource


@transaction.atomic
def resource_retire(*, actor, resource: Resource, via: str = VIA_APP) -> Resource:
    """Retire a resource: neither it nor any account under it can be opened or changed any
    more, and it is no longer validated; it, its accounts and their sessions stay readable.
    There is no way back in the app."""
    require(user=actor, project=resource.project, capability=Capability.MANAGE_PROJECT)
    resource = Resource.objects.select_for_update().select_related("project").get(pk=resource.pk)
    resource_refuse_if_retired(resource)
    resource.retired_at = timezone.now()
    resource.save(update_fields=["retired_at", "updated_at"])
    audit_event_record(
        actor=actor,
        action=AuditAction.RESOURCE_RETIRE,
        project=resource.project,
        target=resource.name,
        detail={"retired_at": resource.retired_at.isoformat()},
        old={"retired_at": None},
        via=via,
    )
    return resource


@transaction.atomic
def resource_delete(*, actor, resource: Resource, via: str = VIA_APP) -> None:
    """Delete a resource and its accounts. Their sessions protect them (ProtectedError)."""
    require(user=actor, project=resource.project, capability=Capability.MANAGE_PROJECT)
    audit_event_record(
        actor=actor,
        action=AuditAction.RESOURCE_DELETE,
        project=resource.project,
        target=resource.name,
        old=resource_fields(resource),
        via=via,
    )
    resource.delete()
