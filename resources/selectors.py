"""Reads for projects, memberships and resources that need more than one line. They answer
questions; who may ask them is resources.permissions' business."""

import re

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse

from resources.models import Membership, Project, Resource

_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,60}", re.ASCII)


def is_slug(value: str | None) -> bool:
    return bool(_SLUG.fullmatch(value or ""))


def membership_by_slug(*, user, slug: str) -> Membership | None:
    """The user's membership (with its project) in the project with this slug, or None."""
    if not (user.is_authenticated and is_slug(slug)):
        # Not a slug (e.g. a NUL from the switcher's query string, which PostgreSQL refuses
        # to compare): no such project, without asking the database.
        return None
    return (
        Membership.objects.select_related("project").filter(user=user, project__slug=slug).first()
    )


def projects_for_user(*, user) -> QuerySet[Project]:
    if not user.is_authenticated:
        return Project.objects.none()
    return Project.objects.filter(memberships__user=user).distinct()


def projects_for_home(*, user, every_project: bool = False) -> QuerySet[Project]:
    """The home page's projects, each with `is_member`: the user's own, or with
    `every_project` (platform admins) every project, theirs first."""
    mine = Membership.objects.filter(project=OuterRef("pk"), user=user)
    projects = Project.objects.all() if every_project else projects_for_user(user=user)
    return projects.annotate(is_member=Exists(mine)).order_by("-is_member", "name")


def resources_for_project(*, project: Project, query: str = "") -> QuerySet[Resource]:
    """A project's resources by name; `query` narrows them to those whose name, description
    or Resource Role ARN contains it."""
    resources = Resource.objects.filter(project=project)
    if query:
        resources = resources.filter(
            Q(name__icontains=query)
            | Q(description__icontains=query)
            | Q(resource_role_arn__icontains=query)
        )
    return resources.order_by("name")


def members_of(*, project: Project) -> QuerySet[Membership]:
    return Membership.objects.filter(project=project).select_related("user").order_by("user__email")


def project_landing_url(*, project: Project, membership: Membership) -> str:
    """Where a project opens for this role: members open consoles from Accounts, auditors
    review Sessions, admins manage Resources."""
    name = {
        Membership.Role.MEMBER: "accounts:list",
        Membership.Role.AUDITOR: "sessions_audit:list",
    }.get(membership.role, "resources:list")
    return reverse(name, kwargs={"slug": project.slug})
