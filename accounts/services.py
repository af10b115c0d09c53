"""Writes for accounts (target roles), and the Access flow."""

from django.db import transaction

from accounts.models import Account
from resources.models import Resource
from resources.services import _require_admin
from sessions_audit.services import audit_event_record


@transaction.atomic
def account_create(
    *,
    actor,
    resource: Resource,
    name: str,
    target_role_arn: str,
    session_duration: int,
    description: str = "",
) -> Account:
    """Add a target role under a resource."""
    _require_admin(user=actor, project=resource.project)
    account = Account(
        resource=resource,
        name=name.strip(),
        description=description.strip(),
        target_role_arn=target_role_arn.strip(),
        session_duration=session_duration,
        created_by=actor,
    )
    account.full_clean()
    account.save()
    audit_event_record(
        actor=actor,
        action="account.create",
        project=resource.project,
        target=account.name,
        detail={"target_role_arn": account.target_role_arn, "session_duration": session_duration},
    )
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
) -> Account:
    _require_admin(user=actor, project=account.resource.project)
    account = (
        Account.objects.select_for_update().select_related("resource__project").get(pk=account.pk)
    )
    changed = (
        account.target_role_arn != target_role_arn.strip()
        or account.session_duration != session_duration
    )
    account.name = name.strip()
    account.description = description.strip()
    account.target_role_arn = target_role_arn.strip()
    account.session_duration = session_duration
    if changed:
        account.validation_status = Account.ValidationStatus.PENDING
        account.validation_code = ""
        account.validation_hint = ""
    account.full_clean()
    account.save()
    audit_event_record(
        actor=actor,
        action="account.update",
        project=account.resource.project,
        target=account.name,
        detail={"target_role_arn": account.target_role_arn, "session_duration": session_duration},
    )
    return account
