"""What the accounts app does when another app says something happened (resources.signals)."""

import logging

from django.dispatch import receiver

from accounts.tasks import person_sessions_revoke_task
from resources.signals import access_lost
from sessions_audit.models import AccessSession

logger = logging.getLogger(__name__)


@receiver(access_lost, dispatch_uid="accounts_revoke_on_access_lost")
def revoke_sessions_of_lost_access(sender, *, user, project, actor, reason, **kwargs) -> None:
    """Queue the revocation of the person's live sessions in the project, where a Resource
    has revocation on (nothing is queued when there are none)."""
    live = (
        AccessSession.objects.filter(user=user, project=project, resource__revocation_enabled=True)
        .with_status(AccessSession.Status.ACTIVE)
        .exists()
    )
    if not live:
        return
    try:
        person_sessions_revoke_task.delay(user.pk, project.pk, getattr(actor, "pk", None), reason)
    except Exception:  # noqa: BLE001 - the change is committed: never a 500 for this
        logger.exception(
            "Could not queue the revocation of user %s's sessions in project %s",
            user.pk,
            project.pk,
        )
