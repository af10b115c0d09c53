"""The audit trail never changes: what it points at is never deleted, and on PostgreSQL a
trigger refuses any UPDATE or DELETE of its rows but an active session ending."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from resources.models import Project
from resources.projects import PROJECT_HAS_HISTORY, project_delete
from sessions_audit.models import AccessSession, AuditAction, AuditEvent
from sessions_audit.services import (
    access_sessions_mark_revoked,
    audit_event_record,
    sessions_expire,
)
from tests.conftest import service_unavailable
from tests.factories import AccessSessionFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        service_unavailable("PostgreSQL (the append-only trigger exists only there)")


def _refused(statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        statement()


def test_a_user_who_acted_cannot_be_deleted():
    actor = UserFactory()
    audit_event_record(actor=actor, action=AuditAction.PROJECT_CREATE, target="x")
    with pytest.raises(ProtectedError):
        actor.delete()


def test_a_project_with_audit_events_cannot_be_deleted_by_the_service(admin_user, project):
    audit_event_record(actor=admin_user, action=AuditAction.PROJECT_UPDATE, project=project)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Archive it instead"):
        project_delete(actor=admin_user, project=project)
    with pytest.raises(ProtectedError):
        Project.objects.filter(pk=project.pk).delete()
    assert Project.objects.filter(pk=project.pk).exists()


def test_the_trigger_refuses_rewriting_a_session(postgresql):
    session = AccessSessionFactory()
    rows = AccessSession.objects.filter(pk=session.pk)
    _refused(lambda: rows.update(user_email="someone-else@example.com"))
    _refused(lambda: rows.update(status="failed"))
    # Ending it while changing anything else is a rewrite too.
    _refused(lambda: rows.update(status="revoked", source_ip="10.0.0.1"))
    _refused(lambda: rows.delete())
    session.refresh_from_db()
    assert (session.status, session.user_email) != ("failed", "someone-else@example.com")


def test_the_trigger_lets_an_active_session_end_and_nothing_more(postgresql):
    revoked = AccessSessionFactory()
    rows = AccessSession.objects.filter(pk=revoked.pk)
    # Revoked says who, when and why: a bare status change is refused, so is a changed email.
    _refused(lambda: rows.update(status="revoked"))
    _refused(lambda: rows.update(status="revoked", revoked_at=timezone.now(), user_email="x@y.z"))
    rows.update(
        status="revoked",
        revoked_at=timezone.now(),
        revoked_by_email="admin@example.com",
        revoke_reason="Laptop stolen",
        revocation_policy=f"PamRevoke-{revoked.pk}",
    )
    revoked.refresh_from_db()
    assert (revoked.status, revoked.revoke_reason) == ("revoked", "Laptop stolen")
    # An ended session stays ended, and its revocation is not rewritten.
    _refused(lambda: rows.update(status="active"))
    _refused(lambda: rows.update(revoke_reason="nothing happened"))


def test_the_trigger_lets_revocation_through_the_service(postgresql):
    session = AccessSessionFactory()
    with transaction.atomic():
        marked = access_sessions_mark_revoked(
            session_ids=[session.pk],
            actor=None,
            reason="Removed",
            policy_name="PamRevoke-x",
            revoked_at=timezone.now(),
        )
    assert marked == [session.pk]


def test_the_sweep_still_expires_sessions_under_the_trigger(postgresql):
    session = AccessSessionFactory(expires_at=timezone.now() - timezone.timedelta(minutes=1))
    assert sessions_expire() == 1
    session.refresh_from_db()
    assert session.status == "expired"


def test_the_trigger_refuses_rewriting_or_deleting_an_audit_event(postgresql):
    event = audit_event_record(actor=None, action=AuditAction.PROJECT_CREATE, target="prod")
    rows = AuditEvent.objects.filter(pk=event.pk)
    _refused(lambda: rows.update(target="nothing happened"))
    _refused(lambda: rows.update(actor_email="someone@example.com"))
    _refused(lambda: rows.delete())
    assert AuditEvent.objects.get(pk=event.pk).target == "prod"


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_admin_explains_why_a_user_with_history_cannot_be_deleted(superuser_client):
    leaver = UserFactory(email="leaver@example.com")
    AccessSessionFactory(user=leaver)
    url = reverse("admin:auth_user_delete", args=[leaver.pk])
    for response in (superuser_client.get(url), superuser_client.post(url, {"post": "yes"})):
        body = response.content.decode()
        assert response.status_code == 403
        assert "leaver@example.com cannot be deleted" in body and "Deactivate the user" in body
    assert type(leaver).objects.filter(pk=leaver.pk).exists()


def test_admin_still_deletes_a_user_without_history(superuser_client):
    nobody = UserFactory()
    url = reverse("admin:auth_user_delete", args=[nobody.pk])
    assert superuser_client.post(url, {"post": "yes"}).status_code == 302
    assert not type(nobody).objects.filter(pk=nobody.pk).exists()


def test_admin_explains_why_a_project_is_archived_not_deleted(superuser_client):
    project = ProjectFactory()
    audit_event_record(actor=None, action=AuditAction.PROJECT_CREATE, project=project)
    url = reverse("admin:resources_project_delete", args=[project.pk])
    response = superuser_client.post(url, {"post": "yes"})
    assert response.status_code == 403
    assert PROJECT_HAS_HISTORY in response.content.decode()
    assert Project.objects.filter(pk=project.pk).exists()
