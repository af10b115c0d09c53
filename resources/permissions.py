"""Who may do what: one vocabulary of capabilities, mapped to project roles.

Views ask `project_for_view` (or `view_gate` for a membership they loaded themselves): a
non-member gets 404 (they must not learn that the project exists), a member without the
capability 403 with that capability's message. Services ask `require`, again, whoever called
them: PermissionDenied (NotAMember for someone outside the project), never an HTTP answer.
"""

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.http import Http404

from resources.models import Membership, Project
from resources.selectors import membership_by_slug

Role = Membership.Role


class Capability(StrEnum):
    OPEN_CONSOLE = "open_console"
    MANAGE_PROJECT = "manage_project"
    REVIEW_AUDIT = "review_audit"
    CREATE_PROJECTS = "create_projects"  # platform-wide, not a project role: Django staff


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.ADMIN: frozenset(
        {Capability.OPEN_CONSOLE, Capability.MANAGE_PROJECT, Capability.REVIEW_AUDIT}
    ),
    Role.MEMBER: frozenset({Capability.OPEN_CONSOLE}),
    Role.AUDITOR: frozenset({Capability.REVIEW_AUDIT}),
}

# What a signed-in member is told when their role lacks the capability.
REFUSALS: dict[Capability, str] = {
    Capability.OPEN_CONSOLE: "Auditors can review sessions but cannot open the console.",
    Capability.MANAGE_PROJECT: "Only a project admin can do this.",
    Capability.REVIEW_AUDIT: "Only project admins and auditors review sessions.",
    Capability.CREATE_PROJECTS: "Only platform admins create projects.",
}
NO_SUCH_PROJECT = "No such project."
ARCHIVED = (
    "This project is archived: its sessions and audit trail stay readable, but no console "
    "can be opened and nothing in it can be changed."
)
# What an archived project no longer allows, to anyone.
REFUSED_WHEN_ARCHIVED = frozenset({Capability.OPEN_CONSOLE, Capability.MANAGE_PROJECT})
NO_EMAIL = "Your user has no email address. Ask an admin to set one."

# Django superusers manage every project through Django admin (the only way they reach a
# project they are not a member of); they never open a console without a membership.
SUPERUSER_CAPABILITIES = frozenset({Capability.MANAGE_PROJECT, Capability.REVIEW_AUDIT})


class NotAMember(PermissionDenied):
    """The caller is not in the project. Views answer it with 404, like a missing project."""


def role_can(role: str, capability: Capability) -> bool:
    return capability in ROLE_CAPABILITIES.get(role, ())


def capabilities(membership: Membership | None) -> dict[str, bool]:
    """For templates: `can.manage_project` and so on (an archived project's are read-only)."""
    role = membership.role if membership is not None else ""
    archived = membership is not None and membership.project.archived_at is not None
    return {
        capability.value: role_can(role, capability)
        and not (archived and capability in REFUSED_WHEN_ARCHIVED)
        for capability in Capability
    }


def can_create_projects(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_staff)


def membership_of(*, user, project: Project, membership: Membership | None = None):
    """The user's membership in the project, or None. A membership the caller already loaded
    is used only if it is this user's in this project; otherwise it is looked up."""
    if not getattr(user, "is_authenticated", False):
        return None
    if (
        membership is not None
        and membership.pk is not None
        and membership.user_id == user.pk
        and membership.project_id == project.pk
    ):
        return membership
    return Membership.objects.filter(user=user, project=project).first()


def require(
    *, user, project: Project, capability: Capability, membership: Membership | None = None
) -> Membership | None:
    """For services: return the user's membership when they hold `capability` in `project`;
    raise NotAMember for someone outside it and PermissionDenied for a role without it.
    Superusers hold SUPERUSER_CAPABILITIES everywhere (then None may be returned)."""
    if capability == Capability.CREATE_PROJECTS:
        if not can_create_projects(user):
            raise PermissionDenied(REFUSALS[capability])
        return None
    found = membership_of(user=user, project=project, membership=membership)
    if found is not None and role_can(found.role, capability):
        _refuse_if_archived(project, capability)
        return found
    if capability in SUPERUSER_CAPABILITIES and getattr(user, "is_superuser", False):
        _refuse_if_archived(project, capability)
        return found
    if found is None:
        raise NotAMember(NO_SUCH_PROJECT)
    raise PermissionDenied(REFUSALS[capability])


def _refuse_if_archived(project: Project, capability: Capability) -> None:
    if capability in REFUSED_WHEN_ARCHIVED and project.archived_at is not None:
        raise PermissionDenied(ARCHIVED)


def view_gate(membership: Membership | None, capability: Capability | None = None) -> Membership:
    """For views: 404 without a membership, 403 when its role lacks `capability` or the
    project is archived and the capability changes or opens something."""
    if membership is None:
        raise Http404(NO_SUCH_PROJECT)
    if capability is not None:
        if not role_can(membership.role, capability):
            raise PermissionDenied(REFUSALS[capability])
        _refuse_if_archived(membership.project, capability)
    return membership


def project_for_view(
    *, user, slug: str, capability: Capability | None = None
) -> tuple[Project, Membership]:
    """For views: the project and the user's membership, or 404 / 403 (see view_gate)."""
    membership = view_gate(membership_by_slug(user=user, slug=slug), capability)
    return membership.project, membership
