"""Reads for accounts that need more than one line."""

from django.db.models import F, Q, QuerySet

from accounts.models import Account
from resources.models import Membership, Project
from resources.selectors import is_slug


def account_for_member(*, user, slug: str, pk: int) -> tuple[Account, Membership] | None:
    """The account (with its resource and project) and the user's membership in its project,
    in one query; None when the user is not a member or the account is not in that project.

    Access runs this on every click, so it replaces the two lookups a project page makes.
    """
    if not (user.is_authenticated and is_slug(slug)):
        return None
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
        return None
    membership = Membership(
        pk=found.membership_pk,
        user=user,
        project=found.resource.project,
        role=found.membership_role,
    )
    return found, membership


def accounts_for_project(*, project: Project, query: str = "") -> QuerySet[Account]:
    """A project's accounts by resource and name; `query` narrows them to those whose name,
    description, Target Role ARN or resource's name contains it."""
    accounts = Account.objects.filter(resource__project=project)
    if query:
        accounts = accounts.filter(
            Q(name__icontains=query)
            | Q(description__icontains=query)
            | Q(target_role_arn__icontains=query)
            | Q(resource__name__icontains=query)
        )
    return accounts.select_related("resource").order_by("resource__name", "name")
