"""Django admin: staff changes are on the audit trail, and the admin keeps the app's rules."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from resources.models import Membership, Resource
from sessions_audit.models import AuditEvent
from tests.factories import AccessSessionFactory, AccountFactory, ResourceFactory, UserFactory

pytestmark = pytest.mark.django_db

ARN = "arn:aws:iam::123456789012:role/PamBridge"


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_adding_a_resource_in_the_admin_writes_an_audit_event(staff_client, project):
    response = staff_client.post(
        reverse("admin:resources_resource_add"),
        {
            "project": project.pk,
            "name": "prod",
            "description": "",
            "resource_role_arn": ARN,
            "accounts-TOTAL_FORMS": "0",
            "accounts-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    event = AuditEvent.objects.get(action="admin.resource.add")
    assert (event.project, event.target, event.actor_email) == (project, "prod", "root@example.com")


def test_changing_and_deleting_a_membership_in_the_admin_is_audited(staff_client, member_user):
    membership = Membership.objects.get(user=member_user)
    url = reverse("admin:resources_membership_change", args=[membership.pk])
    staff_client.post(
        url, {"user": member_user.pk, "project": membership.project_id, "role": "admin"}
    )
    change = AuditEvent.objects.get(action="admin.membership.change")
    assert change.detail == {"fields": ["role"]}
    assert change.project == membership.project
    staff_client.post(
        reverse("admin:resources_membership_delete", args=[membership.pk]), {"post": "yes"}
    )
    assert AuditEvent.objects.filter(action="admin.membership.delete").count() == 1
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_an_account_cannot_be_moved_to_another_resource_in_the_admin(staff_client, account):
    elsewhere = ResourceFactory()
    url = reverse("admin:accounts_account_change", args=[account.pk])
    staff_client.post(
        url,
        {
            "resource": elsewhere.pk,
            "name": account.name,
            "description": "",
            "target_role_arn": account.target_role_arn,
            "session_duration": account.session_duration,
        },
    )
    account.refresh_from_db()
    assert account.resource_id != elsewhere.pk


def test_hidden_characters_in_names_are_refused_in_the_admin_too(staff_client, project):
    staff_client.post(
        reverse("admin:resources_resource_add"),
        {
            "project": project.pk,
            "name": "pro\u200bd",
            "resource_role_arn": ARN,
            "accounts-TOTAL_FORMS": "0",
            "accounts-INITIAL_FORMS": "0",
        },
    )
    assert not Resource.objects.exists()
    assert not Account.objects.exists()


def test_the_session_list_shows_the_status_a_session_has_now(staff_client):
    AccessSessionFactory(expires_at=timezone.now() - timezone.timedelta(minutes=1))
    live = AccessSessionFactory(account=AccountFactory())
    changelist = reverse("admin:sessions_audit_accesssession_changelist")
    body = staff_client.get(changelist).content.decode()
    cell = '<td class="field-current_status">{}</td>'
    assert body.count(cell.format("Expired")) == 1 and body.count(cell.format("Active")) == 1
    active_only = staff_client.get(changelist, {"status": "active"}).content.decode()
    assert live.user_email in active_only
    assert active_only.count(cell.format("Active")) == 1
    assert cell.format("Expired") not in active_only
