"""Celery tasks of the accounts app: thin wrappers that take ids and call a service."""

from celery import shared_task

from accounts.models import Account
from resources.validation import VALIDATION_RETRY, final_attempt


@shared_task(bind=True, **VALIDATION_RETRY)
def account_validate_task(self, account_id: int) -> str | None:
    """Validate one Account's chain; the last retry records the failure instead of raising."""
    from accounts.validation import account_validate

    account = account_validate(account_id=account_id, final_attempt=final_attempt(self))
    return account.validation_status if account else None


@shared_task
def accounts_validation_resume_task() -> int:
    """Beat: queue again the Account validations that never ran (broker was down)."""
    from resources.validation import resume

    return resume(model=Account, task=account_validate_task)
