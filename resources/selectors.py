"""Who may see and do what in a project. Every view that touches a project's data asks here."""

import re

from django.db.models import QuerySet
from django.http import Http404

from resources.models import Membership, Project, Resource

_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,60}", re.ASCII)


def membership_get(*, user, project: Project) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, project=project).first()


def projects_for_user(*, user) -> QuerySet[Project]:
    if not user.is_authenticated:
        return Project.objects.none()
    return Project.objects.filter(memberships__user=user).distinct()


def project_for_member(*, user, slug: str) -> tuple[Project, Membership]:
    """The project and the user's membership, or 404: a non-member learns nothing,
    not even that the project exists."""
    membership = (
        Membership.objects.select_related("project").filter(user=user, project__slug=slug).first()
        # Not a slug (e.g. a NUL from the switcher's query string, which PostgreSQL refuses
        # to compare): no such project, without asking the database.
        if user.is_authenticated and is_slug(slug)
        else None
    )
    if membership is None:
        raise Http404("No such project.")
    return membership.project, membership


def is_slug(value: str | None) -> bool:
    return bool(_SLUG.fullmatch(value or ""))


def resources_for_project(*, project: Project) -> QuerySet[Resource]:
    return Resource.objects.filter(project=project).order_by("name")


def project_landing_url(*, project: Project, membership: Membership) -> str:
    """Where a project opens for this role: members open consoles from Accounts, auditors
    review Sessions, admins manage Resources."""
    from django.urls import reverse

    name = {
        Membership.Role.MEMBER: "accounts:list",
        Membership.Role.AUDITOR: "sessions_audit:list",
    }.get(membership.role, "resources:list")
    return reverse(name, kwargs={"slug": project.slug})
