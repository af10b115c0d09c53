"""What other apps may react to without resources knowing them (dependencies point one way).

`access_lost` is sent after the transaction that took a person's access to a project away
commits: the membership was removed, demoted to auditor, or the user deactivated. The accounts
app revokes their live console sessions there (accounts.apps).
"""

from django.db import transaction
from django.dispatch import Signal

# kwargs: user, project, actor (who made the change, or None), reason (for the session record)
access_lost = Signal()


def access_lost_on_commit(*, user, project, actor, reason: str) -> None:
    transaction.on_commit(
        lambda: access_lost.send(
            sender=None, user=user, project=project, actor=actor, reason=reason
        )
    )
