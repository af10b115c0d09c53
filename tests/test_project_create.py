import pytest
from django.urls import reverse

from resources.models import Membership, Project
from sessions_audit.models import AuditEvent
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_staff_create_a_project_and_become_its_admin(client):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    response = client.post(reverse("project_create"), {"name": "Payments Team", "slug": ""})
    project = Project.objects.get(name="Payments Team")
    assert response.status_code == 302
    assert response["Location"] == reverse("resources:list", kwargs={"slug": "payments-team"})
    assert Membership.objects.get(project=project, user=staff).role == "admin"
    assert AuditEvent.objects.filter(action="project.create", project=project).exists()


def test_non_staff_cannot_create_projects(client):
    client.force_login(UserFactory())
    assert client.get(reverse("project_create")).status_code == 403
    assert client.post(reverse("project_create"), {"name": "X"}).status_code == 403
    assert not Project.objects.exists()


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("project_create"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_duplicate_slug_is_a_field_error_and_nothing_is_saved(client):
    ProjectFactory(slug="payments")
    client.force_login(UserFactory(is_staff=True))
    response = client.post(reverse("project_create"), {"name": "Payments", "slug": "payments"})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Project.objects.count() == 1


def test_bad_slug_is_refused(client):
    client.force_login(UserFactory(is_staff=True))
    response = client.post(reverse("project_create"), {"name": "P", "slug": "no spaces!"})
    assert response.status_code == 200
    assert "slug" in response.content.decode().lower()
    assert not Project.objects.exists()
