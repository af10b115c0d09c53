"""The validation lifecycle that Resources and Accounts share, and the Resource's own check.

A row goes back to pending (`mark_pending`, the one definition), its check is queued after
the commit that made it pending (`enqueue_on_commit`, which survives a broker outage), the
check's outcome is recorded (`outcome` / `record`), and rows whose check never reported back
are queued again by beat (`resume`). The check itself runs in a Celery task (in-process without
REDIS_URL) with VALIDATION_RETRY; no database transaction is held across AWS calls.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Now
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from pamsite.aws import identity
from pamsite.aws import validation as aws_validation
from pamsite.aws.errors import AwsError
from resources.models import Resource, ValidationStatus

logger = logging.getLogger(__name__)

BROKER_UNAVAILABLE = "BrokerUnavailable"
BROKER_UNAVAILABLE_HINT = (
    "The task queue (broker) was unreachable, so validation has not started yet. It will run "
    "when the broker is back: automatically within a few minutes, or with Validate again."
)
# A pending row whose validation never reported back (lost message, broker down) is queued
# again by the beat task after this long.
STALE_PENDING_AFTER = timedelta(minutes=10)

# Throttling and timeouts are retried with exponential backoff and full jitter: 5 s, 10 s,
# 20 s... capped at 5 minutes, 5 retries. Only retryable AwsErrors ever leave `outcome`
# (AccessDenied and the like are recorded as invalid at once), so nothing else is retried.
VALIDATION_RETRY = {
    "autoretry_for": (AwsError,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}

# What "back to pending" means, for a row and for a queryset alike.
PENDING = {
    "validation_status": ValidationStatus.PENDING,
    "validation_code": "",
    "validation_hint": "",
    "validation_warnings": [],
}


def mark_pending(row: models.Model) -> list[str]:
    """Put `row` back to pending (not saved); returns the fields it changed, for save()."""
    for name, value in PENDING.items():
        setattr(row, name, list(value) if isinstance(value, list) else value)
    return list(PENDING)


def mark_pending_all(queryset: models.QuerySet) -> list[int]:
    """Put every row of `queryset` back to pending in one UPDATE; returns their ids."""
    ids = list(queryset.values_list("pk", flat=True))
    queryset.model.objects.filter(pk__in=ids).update(**PENDING, updated_at=Now())
    return ids


def final_attempt(task) -> bool:
    """The last try records a transient failure instead of raising. Without a broker (tasks run
    in-process, inside the web request) the first try is the last: retrying there would hold
    the request for minutes; "Validate again" is the retry."""
    return task.app.conf.task_always_eager or task.request.retries >= task.max_retries


def enqueue_on_commit(*, task, model: type[models.Model], pk: int) -> None:
    """After the current transaction commits, queue `task(pk)`.

    If the broker is down the row is already saved: it stays pending with a hint saying
    validation will run when the broker is back (`resume` does that).
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


def record(
    *,
    model: type[models.Model],
    pk: int,
    unchanged: dict,
    status: str,
    code: str = "",
    hint: str = "",
    warnings: list | None = None,
) -> bool:
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


def outcome(*, model: type[models.Model], pk: int, unchanged: dict, check, final_attempt: bool):
    """Run `check()` (an AWS check; its `findings`, if any, go to validation_warnings) and
    record valid, or invalid with the AWS code and hint. A retryable failure (throttling,
    timeout) that is not the final attempt is recorded as still pending and re-raised, for the
    task to retry. Returns whether an outcome was written."""
    try:
        result = check()
    except AwsError as exc:
        if exc.retryable and not final_attempt:
            record(
                model=model,
                pk=pk,
                unchanged=unchanged,
                status=ValidationStatus.PENDING,
                code=exc.code,
                hint=f"{exc.hint} Retrying automatically.",
            )
            raise
        return record(
            model=model,
            pk=pk,
            unchanged=unchanged,
            status=ValidationStatus.INVALID,
            code=exc.code,
            hint=exc.hint,
            warnings=[],
        )
    except Exception as exc:
        # A bug or an unexpected reply must not leave the row pending forever.
        logger.exception("Validation of %s %s failed unexpectedly", model.__name__, pk)
        return record(
            model=model,
            pk=pk,
            unchanged=unchanged,
            status=ValidationStatus.INVALID,
            code="InternalError",
            hint="Validation failed unexpectedly "
            f"({type(exc).__name__}); the error was logged for the operator. Validate again later.",
            warnings=[],
        )
    return record(
        model=model,
        pk=pk,
        unchanged=unchanged,
        status=ValidationStatus.VALID,
        warnings=getattr(result, "findings", None) or [],
    )


def resume(*, model: type[models.Model], task, limit: int = 200) -> int:
    """Queue again the validations that never reported back: pending rows whose enqueue failed
    (broker down) or that have been pending longer than STALE_PENDING_AFTER. Their updated_at
    is moved to now so the next sweep does not queue them twice. Returns how many."""
    stale = models.Q(validation_code=BROKER_UNAVAILABLE) | models.Q(
        updated_at__lte=timezone.now() - STALE_PENDING_AFTER
    )
    ids = list(
        model.objects.filter(
            stale, validation_status=ValidationStatus.PENDING, retired_at__isnull=True
        )
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return 0
    model.objects.filter(pk__in=ids).update(
        validation_code="", validation_hint="", updated_at=Now()
    )
    for pk in ids:
        enqueue_on_commit(task=task, model=model, pk=pk)
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

    outcome(
        model=Resource,
        pk=resource_id,
        unchanged={"resource_role_arn": arn},
        check=check,
        final_attempt=final_attempt,
    )
    return Resource.objects.filter(pk=resource_id).first()
