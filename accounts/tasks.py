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


@shared_task
def revocations_cleanup_task() -> int:
    """Beat: delete the deny policies whose sessions can no longer be alive."""
    from accounts.revocation import revocations_cleanup

    return revocations_cleanup()


@shared_task
def person_sessions_revoke_task(
    user_id: int, project_id: int, actor_id: int | None, reason: str
) -> int:
    """Someone's access to a project went away: revoke their live sessions there (where the
    Resource has revocation on). Returns how many were revoked."""
    from django.contrib.auth import get_user_model

    from accounts.revocation import person_sessions_revoke
    from resources.models import Project

    users = get_user_model().objects
    user = users.filter(pk=user_id).first()
    project = Project.objects.filter(pk=project_id).first()
    if user is None or project is None:
        return 0
    actor = users.filter(pk=actor_id).first() if actor_id else None
    outcomes = person_sessions_revoke(actor=actor, user=user, project=project, reason=reason)
    return sum(len(outcome.revoked) for outcome in outcomes)
