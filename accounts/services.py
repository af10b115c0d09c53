"""Writes for Accounts (target roles). Each runs in one transaction with its audit row and
checks the caller's capability itself; validation against AWS is queued after commit."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from accounts.tasks import account_validate_task
from pamsite.aws.arns import InvalidRoleArn, parse_role_arn
from pamsite.validators import normalize_display_name
from resources.models import Membership, Resource, Role
from resources.permissions import Capability, require
from resources.validation import enqueue_on_commit, mark_pending, mark_pending_all
from sessions_audit.models import AuditAction
from sessions_audit.services import VIA_APP, audit_event_record, changed_values

# "Leave this setting as it is" for account_update's optional settings.
KEEP = object()

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


def _policy_fields_known(policy: dict) -> None:
    unknown = set(policy) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown account settings: {', '.join(sorted(unknown))}")


def account_refuse_if_retired(account: Account) -> None:
    """A retired Account (or one under a retired Resource) stays as history, unchanged."""
    if account.retired_at is not None:
        raise ValidationError(
            f"Account {account.name} is retired: it and its sessions stay in the audit trail, "
            "but it can no longer be changed.",
            code="retired",
        )
    if account.resource.retired_at is not None:
        raise ValidationError(
            f"Resource {account.resource.name} is retired, and with it its accounts: they and "
            "their sessions stay in the audit trail, but cannot be changed.",
            code="retired",
        )


def _refuse_another_aws_account(*, resource: Resource, target_role_arn: str) -> None:
    """A Resource is one AWS account connection: its accounts' target roles are in the AWS
    account and partition of its Resource Role. ARNs that do not parse are left to
    full_clean, which says what is wrong with them."""
    try:
        bridge = parse_role_arn(resource.resource_role_arn)
        target = parse_role_arn(target_role_arn)
    except InvalidRoleArn:
        return
    if target.partition != bridge.partition:
        why = (
            f"This role is in the {target.partition} partition, but Resource {resource.name} "
            f"connects to {bridge.partition}"
        )
    elif target.account_id != bridge.account_id:
        why = (
            f"This role is in AWS account {target.account_id}, but Resource {resource.name} "
            f"connects to AWS account {bridge.account_id}"
        )
    else:
        return
    raise ValidationError(
        {
            "target_role_arn": ValidationError(
                f"{why}: a Resource is one AWS account connection. Use a role in AWS account "
                f"{bridge.account_id} ({bridge.partition}), or add a Resource for the other one.",
                code="other_aws_account",
            )
        }
    )


def _pages_text(text: str) -> str:
    """One page per line, trimmed, no empty lines (Account.clean checks each)."""
    return "\n".join(line.strip() for line in (text or "").splitlines() if line.strip())


def account_fields(account: Account) -> dict:
    """The fields people edit, as account_create/account_update take them."""
    return {
        "name": account.name,
        "description": account.description,
        "target_role_arn": account.target_role_arn,
        "session_duration": account.session_duration,
        "step_up_minutes": account.step_up_minutes,
        "console_region": account.console_region,
        "destination": account.destination,
        "destinations": account.destinations,
        **policy_fields(account),
    }


POLICY_FIELDS = (
    "access_policy",
    "approvals_required",
    "reason_required",
    "ticket_pattern",
    "max_grant_seconds",
    "pending_hours",
    "break_glass_allowed",
    "break_glass_seconds",
)


def policy_fields(account: Account) -> dict:
    """The access policy (on-request accounts), approvers as their emails."""
    values = {name: getattr(account, name) for name in POLICY_FIELDS}
    values["approvers"] = (
        sorted(account.approvers.values_list("email", flat=True)) if account.pk else []
    )
    return values


def _approvers_resolve(*, account: Account, emails) -> list:
    """The named approvers: members or admins of the account's project, by email."""
    emails = sorted({(e or "").strip().lower() for e in emails or () if (e or "").strip()})
    if not emails:
        return []
    memberships = Membership.objects.filter(
        project=account.resource.project, role__in=[Role.ADMIN, Role.MEMBER]
    ).select_related("user")
    by_email = {m.user.email.lower(): m.user for m in memberships if m.user.email}
    missing = [e for e in emails if e not in by_email]
    if missing:
        raise ValidationError(
            {
                "approvers": f"Not a member or admin of this project: {', '.join(missing)}. "
                "Approvers must be able to see the project (auditors cannot approve)."
            }
        )
    return [by_email[e] for e in emails]


def _policy_apply(account: Account, values: dict) -> None:
    for name in POLICY_FIELDS:
        if name in values and values[name] is not None:
            setattr(account, name, values[name])


@transaction.atomic
def account_create(
    *,
    actor,
    resource: Resource,
    name: str,
    target_role_arn: str,
    session_duration: int,
    description: str = "",
    step_up_minutes: int | None = None,
    console_region: str = "",
    destination: str = "",
    destinations: str = "",
    approvers=(),
    via: str = VIA_APP,
    **policy,
) -> Account:
    """Add a target role under a resource; its validation runs after commit. `policy`: the
    access policy fields (POLICY_FIELDS); `approvers`: their emails."""
    require(user=actor, project=resource.project, capability=Capability.MANAGE_PROJECT)
    if resource.retired_at is not None:
        raise ValidationError(
            {"resource": f"Resource {resource.name} is retired: add accounts to another one."}
        )
    account = Account(
        resource=resource,
        name=normalize_display_name(name),
        description=description.strip(),
        target_role_arn=target_role_arn.strip(),
        session_duration=session_duration,
        step_up_minutes=step_up_minutes,
        console_region=console_region.strip().lower(),
        destination=destination.strip(),
        destinations=_pages_text(destinations),
        created_by=actor,
    )
    _policy_fields_known(policy)
    _policy_apply(account, policy)
    _refuse_another_aws_account(resource=resource, target_role_arn=account.target_role_arn)
    account.full_clean()
    account.save()
    account.approvers.set(_approvers_resolve(account=account, emails=approvers))
    audit_event_record(
        actor=actor,
        action=AuditAction.ACCOUNT_CREATE,
        project=resource.project,
        target=account.name,
        detail=account_fields(account),
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
    step_up_minutes: int | None | object = KEEP,
    console_region: str | object = KEEP,
    destination: str | object = KEEP,
    destinations: str | object = KEEP,
    approvers=KEEP,
    via: str = VIA_APP,
    **policy,
) -> Account:
    """Change an account (never its resource: its sessions belong to the one it was made
    under). A new target role or duration sends it back to pending and validates it again. A
    setting not given (KEEP) stays as it is."""
    require(user=actor, project=account.resource.project, capability=Capability.MANAGE_PROJECT)
    account = (
        Account.objects.select_for_update().select_related("resource__project").get(pk=account.pk)
    )
    account_refuse_if_retired(account)
    before = account_fields(account)
    account.name = normalize_display_name(name)
    account.description = description.strip()
    account.target_role_arn = target_role_arn.strip()
    account.session_duration = session_duration
    if step_up_minutes is not KEEP:
        account.step_up_minutes = step_up_minutes
    if console_region is not KEEP:
        account.console_region = console_region.strip().lower()
    if destination is not KEEP:
        account.destination = destination.strip()
    if destinations is not KEEP:
        account.destinations = _pages_text(destinations)
    _policy_fields_known(policy)
    _policy_apply(account, policy)
    chosen = None if approvers is KEEP else _approvers_resolve(account=account, emails=approvers)
    after = account_fields(account)
    if chosen is not None:
        after["approvers"] = sorted(user.email for user in chosen)
    changed = any(before[key] != after[key] for key in VALIDATED_FIELDS)
    if changed:
        mark_pending(account)
    _refuse_another_aws_account(resource=account.resource, target_role_arn=account.target_role_arn)
    account.full_clean()
    account.save()
    if chosen is not None:
        account.approvers.set(chosen)
    audit_event_record(
        actor=actor,
        action=AuditAction.ACCOUNT_UPDATE,
        project=account.resource.project,
        target=account.name,
        detail=after,
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
    account_refuse_if_retired(account)
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
def account_retire(*, actor, account: Account, via: str = VIA_APP) -> Account:
    """Retire an account: its console can no longer be opened nor the account changed, and it
    is no longer validated; it and its sessions stay readable. There is no way back in the
    app."""
    require(user=actor, project=account.resource.project, capability=Capability.MANAGE_PROJECT)
    account = (
        Account.objects.select_for_update().select_related("resource__project").get(pk=account.pk)
    )
    account_refuse_if_retired(account)
    account.retired_at = timezone.now()
    account.save(update_fields=["retired_at", "updated_at"])
    audit_event_record(
        actor=actor,
        action=AuditAction.ACCOUNT_RETIRE,
        project=account.resource.project,
        target=account.name,
        detail={"retired_at": account.retired_at.isoformat()},
        old={"retired_at": None},
        via=via,
    )
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
