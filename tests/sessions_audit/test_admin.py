import pytest
from django.urls import reverse

from sessions_audit.models import AccessSession, AuditEvent
from tests.factories import AccessSessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_superuser_can_list_and_view_sessions(superuser_client):
    session = AccessSessionFactory()
    listing = superuser_client.get(reverse("admin:sessions_audit_accesssession_changelist"))
    assert listing.status_code == 200
    assert session.user_email in listing.content.decode()
    detail = superuser_client.get(
        reverse("admin:sessions_audit_accesssession_change", args=[session.pk])
    )
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content


def test_superuser_cannot_add_sessions(superuser_client):
    response = superuser_client.get(reverse("admin:sessions_audit_accesssession_add"))
    assert response.status_code == 403


def test_superuser_cannot_change_sessions(superuser_client):
    session = AccessSessionFactory()
    url = reverse("admin:sessions_audit_accesssession_change", args=[session.pk])
    response = superuser_client.post(url, {"status": "revoked", "user_email": "x@example.com"})
    assert response.status_code == 403
    session.refresh_from_db()
    assert (session.status, session.user_email) != ("revoked", "x@example.com")


def test_superuser_cannot_delete_sessions(superuser_client):
    session = AccessSessionFactory()
    url = reverse("admin:sessions_audit_accesssession_delete", args=[session.pk])
    assert superuser_client.post(url, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:sessions_audit_accesssession_changelist")
    response = superuser_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [session.pk], "post": "yes"}
    )
    assert AccessSession.objects.filter(pk=session.pk).exists()
    assert response.status_code in (200, 302)


def test_audit_events_are_read_only_too(superuser_client):
    event = AuditEvent.objects.create(action="resource.create", target="prod")
    url = reverse("admin:sessions_audit_auditevent_delete", args=[event.pk])
    assert superuser_client.post(url, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    "name",
    [
        "resources_project",
        "resources_membership",
        "resources_resource",
        "accounts_account",
        "sessions_audit_accesssession",
        "sessions_audit_auditevent",
    ],
)
def test_every_model_has_a_searchable_admin_list(superuser_client, name):
    response = superuser_client.get(reverse(f"admin:{name}_changelist"), {"q": "x"})
    assert response.status_code == 200


@pytest.mark.parametrize("how", ["add", "change", "delete"])
def test_a_refusal_is_admins_own_page_and_says_why(superuser_client, how):
    session = AccessSessionFactory()
    if how == "add":
        response = superuser_client.get(reverse("admin:sessions_audit_accesssession_add"))
    elif how == "change":
        url = reverse("admin:sessions_audit_accesssession_change", args=[session.pk])
        response = superuser_client.post(url, {"status": "revoked"})
    else:
        url = reverse("admin:sessions_audit_accesssession_delete", args=[session.pk])
        response = superuser_client.post(url, {"post": "yes"})
    body = response.content.decode()
    assert response.status_code == 403
    assert "Access sessions are read-only: they are the audit trail." in body
    assert "Your role in this project" not in body
    assert "Django administration" in body  # admin's own page, with its header
    assert AccessSession.objects.filter(pk=session.pk, status=session.status).exists()
