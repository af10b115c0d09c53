"""resources.permissions: one vocabulary of capabilities, one gate for views, one for services."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from resources.models import Membership
from resources.permissions import (
    REFUSALS,
    ROLE_CAPABILITIES,
    Capability,
    NotAMember,
    capabilities,
    project_for_view,
    require,
    view_gate,
)
from tests.factories import MembershipFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

EXPECTED = {
    "admin": {"open_console", "manage_project", "review_audit"},
    "member": {"open_console"},
    "auditor": {"review_audit"},
}


def test_every_role_has_its_capabilities_and_no_role_creates_projects():
    assert {role: {c.value for c in caps} for role, caps in ROLE_CAPABILITIES.items()} == EXPECTED
    assert set(ROLE_CAPABILITIES) == set(Membership.Role.values)


def test_every_capability_has_one_refusal_message():
    assert set(REFUSALS) == set(Capability)


@pytest.mark.parametrize("role", Membership.Role.values)
def test_templates_see_the_same_capabilities(role):
    membership = MembershipFactory(role=role)
    assert {name for name, allowed in capabilities(membership).items() if allowed} == EXPECTED[role]


@pytest.mark.parametrize("role", Membership.Role.values)
@pytest.mark.parametrize("capability", list(Capability)[:3])
def test_services_and_views_agree(role, capability):
    membership = MembershipFactory(role=role)
    allowed = capability.value in EXPECTED[role]
    if allowed:
        assert require(user=membership.user, project=membership.project, capability=capability)
        view_gate(membership, capability)
        return
    with pytest.raises(PermissionDenied, match=REFUSALS[capability]):
        require(user=membership.user, project=membership.project, capability=capability)
    with pytest.raises(PermissionDenied, match=REFUSALS[capability]):
        view_gate(membership, capability)


def test_a_non_member_is_not_a_member_to_services_and_404_to_views():
    project, stranger = ProjectFactory(), UserFactory()
    with pytest.raises(NotAMember):
        require(user=stranger, project=project, capability=Capability.OPEN_CONSOLE)
    with pytest.raises(NotAMember):
        require(user=AnonymousUser(), project=project, capability=Capability.MANAGE_PROJECT)
    with pytest.raises(Http404):
        project_for_view(user=stranger, slug=project.slug)
    with pytest.raises(Http404):
        project_for_view(user=stranger, slug="x\x00y")


def test_a_membership_handed_in_is_used_only_if_it_is_the_users_own():
    admin = MembershipFactory(role="admin")
    auditor = MembershipFactory(project=admin.project, role="auditor").user
    with pytest.raises(PermissionDenied):
        require(
            user=auditor, project=admin.project, capability=Capability.MANAGE_PROJECT,
            membership=admin,
        )  # fmt: skip


def test_superusers_manage_any_project_but_never_open_a_console_without_a_membership():
    project, superuser = ProjectFactory(), UserFactory(is_staff=True, is_superuser=True)
    require(user=superuser, project=project, capability=Capability.MANAGE_PROJECT)
    with pytest.raises(NotAMember):
        require(user=superuser, project=project, capability=Capability.OPEN_CONSOLE)


def test_only_staff_create_projects():
    require(user=UserFactory(is_staff=True), project=None, capability=Capability.CREATE_PROJECTS)
    with pytest.raises(PermissionDenied, match="Only platform admins create projects"):
        require(user=UserFactory(), project=None, capability=Capability.CREATE_PROJECTS)
