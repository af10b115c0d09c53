"""Reads for accounts that need more than one line."""

from django.db.models import F
from django.http import Http404

from accounts.models import Account
from resources.models import Membership
from resources.selectors import is_slug


def account_for_member(*, user, slug: str, pk: int) -> tuple[Account, Membership]:
    """The account (with its resource and project) and the user's membership in its project,
    in one query; 404 when the user is not a member or the account is not in that project.

    Access runs this on every click, so it replaces the two lookups a project page makes.
    """
    found = None
    if user.is_authenticated and is_slug(slug):
        found = (
            Account.objects.select_related("resource__project")
            .filter(pk=pk, resource__project__slug=slug, resource__project__memberships__user=user)
            .annotate(
                membership_pk=F("resource__project__memberships__pk"),
                membership_role=F("resource__project__memberships__role"),
            )
            .first()
        )
    if found is None:
        raise Http404("No such account.")
    membership = Membership(
        pk=found.membership_pk, user=user, project=found.resource.project,
        role=found.membership_role,
    )  # fmt: skip
    return found, membership
