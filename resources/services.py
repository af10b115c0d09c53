"""Writes for projects, memberships and resources. Each runs in one transaction with its
audit row; validation against AWS is enqueued after commit."""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.text import slugify
from kombu.exceptions import OperationalError as BrokerUnavailable

from pamsite.aws import identity
from pamsite.aws import validation as aws_validation
from pamsite.aws.errors import AwsError
from resources.models import Membership, Project, Resource, ValidationStatus
from sessions_audit.services import audit_event_record

logger = logging.getLogger(__name__)

BROKER_UNAVAILABLE = "BrokerUnavailable"
BROKER_UNAVAILABLE_HINT = (
    "The task queue (broker) was unreachable, so validation has not started yet. It will run "
    "when the broker is back: automatically within a few minutes, or with Validate again."
)
# A pending row whose validation never reported back (lost message, broker down) is queued
# again by the beat task after this long.
STALE_PENDING_AFTER = timedelta(minutes=10)


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
    # Emails are not unique in Django's user table: with two matches, picking one could give
    # the role (and console access) to the wrong person.
    users = list(get_user_model().objects.filter(email__iexact=email)[:2])
    if not users:
        raise ValidationError(
            {"email": f"No user has the email {email}. Ask them to sign up first."}
        )
    if len(users) > 1:
        raise ValidationError(
            {"email": f"More than one user has the email {email}. Ask a platform admin to "
             "give each person their own email address first."}
        )  # fmt: skip
    user = users[0]
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
    resource_validation_enqueue(resource_id=resource.pk)
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
    if arn_changed:
        resource_validation_enqueue(resource_id=resource.pk)
        _accounts_revalidate_for(resource=resource)
    return resource


# Validation against AWS. The check runs in a Celery task (in-process without REDIS_URL), after
# the commit that made the row pending; no database transaction is held across AWS calls.


def validation_enqueue_on_commit(*, task, model: type[models.Model], pk: int) -> None:
    """After the current transaction commits, queue `task(pk)`.

    If the broker is down the row is already saved: it stays pending with a hint saying
    validation will run when the broker is back (validations_resume does that).
    """

    def enqueue() -> None:
        try:
            task.delay(pk)
        except Exception as exc:  # noqa: BLE001 - the row is committed: never a 500 for this
            if isinstance(exc, BrokerUnavailable):
                logger.warning("Could not queue %s(%s): broker down (%s)", task.name, pk, exc)
            else:
                logger.exception("Could not queue %s(%s)", task.name, pk)
            model.objects.filter(pk=pk, validation_status=ValidationStatus.PENDING).update(
                validation_code=BROKER_UNAVAILABLE, validation_hint=BROKER_UNAVAILABLE_HINT
            )

    transaction.on_commit(enqueue)


def validation_record(
    *, model: type[models.Model], pk: int, unchanged: dict, status: str, code: str = "",
    hint: str = "", warnings: list | None = None,
) -> bool:  # fmt: skip
    """Write a validation outcome, unless the row was deleted or the fields in `unchanged`
    (what was validated: an ARN, a duration) were edited meanwhile: a newer validation is then
    already queued. Returns whether it was written. updated_at is left alone (it dates edits)."""
    with transaction.atomic():
        row = model.objects.select_for_update().filter(pk=pk, **unchanged).first()
        if row is None:
            return False
        row.validation_status = status
        row.validation_code = code[:100]
        row.validation_hint = hint
        if warnings is not None:
            row.validation_warnings = warnings
        fields = ["validation_status", "validation_code", "validation_hint"]
        if status != ValidationStatus.PENDING:
            row.last_validated_at = timezone.now()
            fields += ["validation_warnings", "last_validated_at"]
        # Only our own status fields change: no full_clean (its unique checks cost queries).
        row.save(update_fields=fields)
    return True


def validation_outcome(
    *, model: type[models.Model], pk: int, unchanged: dict, check, final_attempt: bool
) -> bool:
    """Run `check()` (an AWS check; its `findings`, if any, go to validation_warnings) and
    record valid, or invalid with the AWS code and hint. A retryable failure (throttling,
    timeout) that is not the final attempt is recorded as still pending and re-raised, for the
    task to retry."""
    try:
        result = check()
    except AwsError as exc:
        if exc.retryable and not final_attempt:
            validation_record(
                model=model, pk=pk, unchanged=unchanged, status=ValidationStatus.PENDING,
                code=exc.code, hint=f"{exc.hint} Retrying automatically.",
            )  # fmt: skip
            raise
        return validation_record(
            model=model, pk=pk, unchanged=unchanged, status=ValidationStatus.INVALID,
            code=exc.code, hint=exc.hint, warnings=[],
        )  # fmt: skip
    except Exception as exc:
        # A bug or an unexpected reply must not leave the row pending forever.
        logger.exception("Validation of %s %s failed unexpectedly", model.__name__, pk)
        return validation_record(
            model=model, pk=pk, unchanged=unchanged, status=ValidationStatus.INVALID,
            code="InternalError", hint="Validation failed unexpectedly "
            f"({type(exc).__name__}); the error was logged for the operator. Validate again later.",
            warnings=[],
        )  # fmt: skip
    return validation_record(
        model=model, pk=pk, unchanged=unchanged, status=ValidationStatus.VALID,
        warnings=getattr(result, "findings", None) or [],
    )  # fmt: skip


def validations_resume(*, model: type[models.Model], task, limit: int = 200) -> int:
    """Queue again the validations that never reported back: pending rows whose enqueue failed
    (broker down) or that have been pending longer than STALE_PENDING_AFTER. Their updated_at
    is moved to now so the next sweep does not queue them twice. Returns how many."""
    stale = models.Q(validation_code=BROKER_UNAVAILABLE) | models.Q(
        updated_at__lte=timezone.now() - STALE_PENDING_AFTER
    )
    ids = list(
        model.objects.filter(stale, validation_status=ValidationStatus.PENDING)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return 0
    model.objects.filter(pk__in=ids).update(
        validation_code="", validation_hint="", updated_at=Now()
    )
    for pk in ids:
        validation_enqueue_on_commit(task=task, model=model, pk=pk)
    return len(ids)


def _platform_account_id() -> str:
    try:
        return identity.platform_account_id(
            configured=settings.PAM_PLATFORM_ACCOUNT_ID, region=settings.AWS_REGION
        )
    except (AwsError, ValueError) as exc:
        # Lint then checks wildcards and the External ID only.
        logger.warning("Platform account id unknown, lint skips the account check: %s", exc)
        return ""


def resource_validation_enqueue(*, resource_id: int) -> None:
    """Queue the Resource's validation after commit (also for edits made in the admin site)."""
    from resources.tasks import resource_validate_task  # tasks import this module

    validation_enqueue_on_commit(task=resource_validate_task, model=Resource, pk=resource_id)


def _accounts_revalidate_for(*, resource: Resource) -> None:
    """A new Resource Role ARN changes every chain under it: its accounts are checked again."""
    from accounts.models import Account
    from accounts.tasks import account_validate_task

    accounts = Account.objects.filter(resource=resource)
    ids = list(accounts.values_list("pk", flat=True))
    accounts.update(
        validation_status=ValidationStatus.PENDING, validation_code="", validation_hint="",
        validation_warnings=[], updated_at=Now(),
    )  # fmt: skip
    for pk in ids:
        validation_enqueue_on_commit(task=account_validate_task, model=Account, pk=pk)


def resource_validate(*, resource_id: int, final_attempt: bool = True) -> Resource | None:
    """Check the Resource Role against AWS and record the outcome.

    Assumes the Resource Role with the project's External ID; valid when AWS allows it (with
    trust-policy lint findings in validation_warnings when the role may read itself), invalid
    with AWS's error code and a hint otherwise. A retryable failure (throttling, timeout) is
    re-raised unless `final_attempt`, for the task to retry. Returns None if the resource is
    gone.
    """
    resource = Resource.objects.select_related("project").filter(pk=resource_id).first()
    if resource is None:
        return None
    arn = resource.resource_role_arn

    def check():
        return aws_validation.resource_role_check(
            resource_role_arn=arn,
            external_id=resource.project.external_id,
            region=settings.AWS_REGION,
            platform_account_id=_platform_account_id(),
        )

    validation_outcome(
        model=Resource, pk=resource_id, unchanged={"resource_role_arn": arn}, check=check,
        final_attempt=final_attempt,
    )  # fmt: skip
    return Resource.objects.filter(pk=resource_id).first()


def _require_admin_or_superuser(*, user, project: Project) -> None:
    if not getattr(user, "is_superuser", False):
        _require_admin(user=user, project=project)


@transaction.atomic
def resource_revalidate(*, actor, resource: Resource) -> Resource:
    """Validate again: back to pending, audited, and queued after commit."""
    _require_admin_or_superuser(user=actor, project=resource.project)
    resource = Resource.objects.select_for_update().select_related("project").get(pk=resource.pk)
    resource.validation_status = Resource.ValidationStatus.PENDING
    resource.validation_code = ""
    resource.validation_hint = ""
    resource.save(
        update_fields=["validation_status", "validation_code", "validation_hint", "updated_at"]
    )
    audit_event_record(
        actor=actor, action="resource.revalidate", project=resource.project, target=resource.name
    )
    resource_validation_enqueue(resource_id=resource.pk)
    return resource
