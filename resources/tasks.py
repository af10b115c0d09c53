"""Celery tasks of the resources app: thin wrappers that take ids and call a service."""

from celery import shared_task

from pamsite.aws.errors import AwsError
from resources.models import Resource
from resources.services import resource_validate, validations_resume

# Throttling and timeouts are retried with exponential backoff and full jitter: 5 s, 10 s,
# 20 s... capped at 5 minutes, 5 retries. Only retryable AwsErrors ever leave the service
# (AccessDenied and the like are recorded as invalid at once), so nothing else is retried.
VALIDATION_RETRY = {
    "autoretry_for": (AwsError,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


def final_attempt(task) -> bool:
    """The last try records a transient failure instead of raising. Without a broker (tasks run
    in-process, inside the web request) the first try is the last: retrying there would hold
    the request for minutes; "Validate again" is the retry."""
    return task.app.conf.task_always_eager or task.request.retries >= task.max_retries


@shared_task(bind=True, **VALIDATION_RETRY)
def resource_validate_task(self, resource_id: int) -> str | None:
    """Validate one Resource; the last retry records the failure instead of raising."""
    resource = resource_validate(resource_id=resource_id, final_attempt=final_attempt(self))
    return resource.validation_status if resource else None


@shared_task
def resources_validation_resume_task() -> int:
    """Beat: queue again the Resource validations that never ran (broker was down)."""
    return validations_resume(model=Resource, task=resource_validate_task)
