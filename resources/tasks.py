"""Celery tasks of the resources app: thin wrappers that take ids and call a service."""

from celery import shared_task

from resources.models import Resource
from resources.validation import VALIDATION_RETRY, final_attempt


@shared_task(bind=True, **VALIDATION_RETRY)
def resource_validate_task(self, resource_id: int) -> str | None:
    """Validate one Resource; the last retry records the failure instead of raising."""
    from resources.validation import resource_validate

    resource = resource_validate(resource_id=resource_id, final_attempt=final_attempt(self))
    return resource.validation_status if resource else None


@shared_task
def resources_validation_resume_task() -> int:
    """Beat: queue again the Resource validations that never ran (broker was down)."""
    from resources.validation import resume

    return resume(model=Resource, task=resource_validate_task)
