import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_home_lists_only_the_users_projects(client):
    first = MembershipFactory()
    second = MembershipFactory(user=first.user)
    other = ProjectFactory()
    client.force_login(first.user)
    body = client.get(reverse("home")).content.decode()
    assert first.project.name in body and second.project.name in body
    assert other.name not in body


@pytest.mark.parametrize(
    ("role", "landing"),
    [("member", "accounts:list"), ("auditor", "sessions_audit:list"), ("admin", "resources:list")],
)
def test_one_project_opens_straight_on_the_roles_tab(client, role, landing):
    membership = MembershipFactory(role=role)
    client.force_login(membership.user)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse(landing, args=[membership.project.slug])


def test_platform_admins_stay_on_the_project_list(client):
    staff = MembershipFactory(user=UserFactory(is_staff=True)).user
    client.force_login(staff)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "New project" in response.content.decode()


def test_switcher_goes_to_the_chosen_project(client, member_user, project):
    client.force_login(member_user)
    response = client.get(reverse("project_switch"), {"project": project.slug})
    assert response["Location"] == reverse("accounts:list", args=[project.slug])


def test_switcher_refuses_a_project_the_user_is_not_in(client, project):
    client.force_login(UserFactory())
    response = client.get(reverse("project_switch"), {"project": project.slug})
    assert response.status_code == 404


def test_sign_in_page_renders(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()


def test_sign_out_is_post_only_and_signs_out(client, member_user):
    client.force_login(member_user)
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_403_page_says_why(client, member_user, project):
    client.force_login(member_user)
    response = client.get(reverse("resources:members", args=[project.slug]))
    assert response.status_code == 403
    assert "Only a project admin can do this." in response.content.decode()


def test_sign_in_with_an_empty_field_says_which(client):
    response = client.post(reverse("login"), {"login": "", "password": "secret"})
    assert "This field is required." in response.content.decode()
