"""Writes for Accounts (target roles). Each runs in one transaction with its audit row and
checks the caller's capability itself; validation against AWS is queued after commit."""

from django.db import transaction

from accounts.models import Account
from accounts.tasks import account_validate_task
from pamsite.validators import normalize_display_name
from resources.models import Resource
from resources.permissions import Capability, require
from resources.validation import enqueue_on_commit, mark_pending, mark_pending_all
from sessions_audit.models import AuditAction
from sessions_audit.services import VIA_APP, audit_event_record, changed_values

# What an account's validation checks: a change to any of these validates it again.
VALIDATED_FIELDS = ("target_role_arn", "session_duration")


def account_validation_enqueue(*, account_id: int) -> None:
    """Queue the Account's validation after the current transaction commits."""
    enqueue_on_commit(task=account_validate_task, model=Account, pk=account_id)


def accounts_revalidate_for_resource(*, resource: Resource) -> int:
    """A new Resource Role ARN changes every chain under it: its accounts go back to pending
    and are validated again after commit. Returns how many. (resources.services calls this:
    the one place the resources app reaches up into accounts.)"""
    ids = mark_pending_all(Account.objects.filter(resource=resource))
    for pk in ids:
        account_validation_enqueue(account_id=pk)
    return len(ids)


def account_fields(account: Account) -> dict:
    """The fields people edit, as account_create/account_update take them."""
    return {
        "name": account.name,
        "description": account.description,
        "target_role_arn": account.target_role_arn,
        "session_duration": account.session_duration,
    }


@transaction.atomic
def account_create(
    *,
    actor,
    resource: Resource,
    name: str,
    target_role_arn: str,
    session_duration: int,
    description: str = "",
    via: str = VIA_APP,
) -> Account:
    """Add a target role under a resource; its validation runs after commit."""
    require(user=actor, project=resource.project, capability=Capability.MANAGE_PROJECT)
    account = Account(
        resource=resource,
        name=normalize_display_name(name),
        description=description.strip(),
        target_role_arn=target_role_arn.strip(),
        session_duration=session_duration,
        created_by=actor,
    )
    account.full_clean()
    account.save()
    audit_event_record(
        actor=actor,
        action=AuditAction.ACCOUNT_CREATE,
        project=resource.project,
        target=account.name,
        detail={"target_role_arn": account.target_role_arn, "session_duration": session_duration},
        via=via,
    )
    account_validation_enqueue(account_id=account.pk)
    return account


@transaction.atomic
def account_update(
    *,
    actor,
    account: Account,
    name: str,
    target_role_arn: str,
    session_duration: int,
    description: str = "",
    via: str = VIA_APP,
) -> Account:
    """Change an account (never its resource: its sessions belong to the one it was made
    under). A new target role or duration sends it back to pending and validates it again."""
    require(user=actor, project=account.resource.project, capability=Capability.MANAGE_PROJECT)
    account = (
        Account.objects.select_for_update().select_related("resource__project").get(pk=account.pk)
    )
    before = account_fields(account)
    account.name = normalize_display_name(name)
    account.description = description.strip()
    account.target_role_arn = target_role_arn.strip()
    account.session_duration = session_duration
    after = account_fields(account)
    changed = any(before[key] != after[key] for key in VALIDATED_FIELDS)
    if changed:
        mark_pending(account)
    account.full_clean()
    account.save()
    audit_event_record(
        actor=actor,
        action=AuditAction.ACCOUNT_UPDATE,
        project=account.resource.project,
        target=account.name,
        detail={"target_role_arn": account.target_role_arn, "session_duration": session_duration},
        old=changed_values(before, after),
        via=via,
    )
    if changed:
        account_validation_enqueue(account_id=account.pk)
    return account


@transaction.atomic
def account_revalidate(*, actor, account: Account, via: str = VIA_APP) -> Account:
    """Validate again: back to pending, audited, and queued after commit."""
    require(user=actor, project=account.resource.project, capability=Capability.MANAGE_PROJECT)
    account = (
        Account.objects.select_for_update().select_related("resource__project").get(pk=account.pk)
    )
    fields = mark_pending(account)
    account.save(update_fields=[*fields, "updated_at"])
    audit_event_record(
        actor=actor,
        action=AuditAction.ACCOUNT_REVALIDATE,
        project=account.resource.project,
        target=account.name,
        via=via,
    )
    account_validation_enqueue(account_id=account.pk)
    return account


@transaction.atomic
def account_delete(*, actor, account: Account, via: str = VIA_APP) -> None:
    """Delete an account. Its sessions protect it (ProtectedError) while they exist."""
    project = account.resource.project
    require(user=actor, project=project, capability=Capability.MANAGE_PROJECT)
    audit_event_record(
        actor=actor,
        action=AuditAction.ACCOUNT_DELETE,
        project=project,
        target=account.name,
        old=account_fields(account),
        via=via,
    )
    account.delete()
