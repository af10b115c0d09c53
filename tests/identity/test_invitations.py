"""Adding an email with no user invites them; their first SSO sign-in activates it."""

import pytest
from django.core import mail
from django.urls import reverse

from resources.models import Invitation, Membership
from sessions_audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.force_login(admin_user)
    return client


def _add(client, project, email, role="member"):
    url = reverse("resources:members", args=[project.slug])
    return client.post(url, {"email": email, "role": role}, follow=True)


def _message(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_the_page_answers_the_same_whether_or_not_the_email_has_a_user(admin_client, project):
    UserFactory(email="known@corp.example")
    known = _message(_add(admin_client, project, "known@corp.example"))
    unknown = _message(_add(admin_client, project, "new@corp.example"))
    assert known.replace("known@", "X@") == unknown.replace("new@", "X@")


def test_an_unknown_email_is_invited_and_emailed(
    admin_client, project, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _add(admin_client, project, "new@corp.example", role="auditor")
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.status) == (
        "new@corp.example",
        "auditor",
        "pending",
    )
    assert not Membership.objects.filter(user__email="new@corp.example").exists()
    assert "new@corp.example" in response.content.decode()  # listed as invited
    assert [m.to for m in mail.outbox] == [["new@corp.example"]]
    assert AuditEvent.objects.get(action="invitation.create").actor == admin_user


def test_a_second_invitation_changes_the_role_of_the_first(admin_client, project):
    _add(admin_client, project, "new@corp.example", role="auditor")
    _add(admin_client, project, "NEW@corp.example", role="member")
    assert list(Invitation.objects.values_list("role", flat=True)) == ["member"]


def test_the_first_sso_sign_in_activates_the_invitation(admin_client, client, project, provider):
    _add(admin_client, project, "pat@corp.example", role="auditor")
    admin_client.logout()
    provider.sign_in(client, "pat-sub", email="Pat@corp.example", email_verified=True)
    membership = Membership.objects.get(user__email="Pat@corp.example", project=project)
    assert (membership.role, membership.source) == ("auditor", "manual")
    assert Invitation.objects.get().status == "accepted"
    assert AuditEvent.objects.filter(action="invitation.accept", target="Pat@corp.example").exists()


def test_a_cancelled_invitation_grants_nothing(admin_client, client, project, provider):
    _add(admin_client, project, "quinn@corp.example")
    invitation = Invitation.objects.get()
    admin_client.post(reverse("resources:invitation_cancel", args=[project.slug, invitation.pk]))
    assert Invitation.objects.get().status == "cancelled"
    admin_client.logout()
    provider.sign_in(client, "quinn-sub", email="quinn@corp.example", email_verified=True)
    assert not Membership.objects.filter(user__email="quinn@corp.example").exists()
    assert AuditEvent.objects.filter(action="invitation.cancel").exists()


def test_an_unverified_email_never_claims_an_invitation(admin_client, client, project, provider):
    _add(admin_client, project, "rita@corp.example", role="admin")
    admin_client.logout()
    provider.sign_in(client, "impostor", email="rita@corp.example", email_verified=False)
    assert Invitation.objects.get().status == "pending"
    assert not Membership.objects.filter(user__email="rita@corp.example").exists()
