"""Django admin: staff changes are on the audit trail, and the admin keeps the app's rules."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from resources.models import Membership, Resource
from sessions_audit.models import AuditEvent
from tests.factories import (
    AccessSessionFactory,
    AccountFactory,
    MembershipFactory,
    ProjectFactory,
    ResourceFactory,
    UserFactory,
)

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
    event = AuditEvent.objects.get(action="resource.create")
    assert (event.project, event.target, event.actor_email) == (project, "prod", "root@example.com")
    assert event.detail["via"] == "admin"


def test_changing_and_deleting_a_membership_in_the_admin_is_audited(staff_client, member_user):
    membership = Membership.objects.get(user=member_user)
    url = reverse("admin:resources_membership_change", args=[membership.pk])
    staff_client.post(
        url, {"user": member_user.pk, "project": membership.project_id, "role": "admin"}
    )
    change = AuditEvent.objects.get(action="membership.set")
    assert change.detail == {"role": "admin", "old": {"role": "member"}, "via": "admin"}
    assert change.project == membership.project
    # Admin keeps the app's rule that a project keeps one admin: another admin stays.
    MembershipFactory(project=membership.project, role="admin")
    staff_client.post(
        reverse("admin:resources_membership_delete", args=[membership.pk]), {"post": "yes"}
    )
    assert AuditEvent.objects.filter(action="membership.remove").count() == 1
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


def _resource_change(staff_client, resource, **changes):
    data = {
        "name": resource.name,
        "description": resource.description,
        "resource_role_arn": resource.resource_role_arn,
        "accounts-TOTAL_FORMS": "0",
        "accounts-INITIAL_FORMS": "0",
        **changes,
    }
    url = reverse("admin:resources_resource_change", args=[resource.pk])
    return staff_client.post(url, data)


def test_a_new_role_arn_in_the_admin_validates_the_accounts_again(
    staff_client, resource, monkeypatch, django_capture_on_commit_callbacks
):
    from accounts.tasks import account_validate_task
    from resources.tasks import resource_validate_task

    queued = []
    monkeypatch.setattr(resource_validate_task, "delay", lambda pk: queued.append(("r", pk)))
    monkeypatch.setattr(account_validate_task, "delay", lambda pk: queued.append(("a", pk)))
    account = AccountFactory(resource=resource)
    Account.objects.filter(pk=account.pk).update(
        validation_status="valid", validation_warnings=["old finding"]
    )
    Resource.objects.filter(pk=resource.pk).update(
        validation_status="valid", validation_warnings=["old finding"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = _resource_change(staff_client, resource, resource_role_arn=ARN + "New")
    assert response.status_code == 302, response.content[:2000]
    assert sorted(queued) == [("a", account.pk), ("r", resource.pk)]
    resource.refresh_from_db()
    account.refresh_from_db()
    assert (resource.validation_status, resource.validation_warnings) == ("pending", [])
    assert (account.validation_status, account.validation_warnings) == ("pending", [])
    event = AuditEvent.objects.get(action="resource.update")
    assert event.detail["old"] == {"resource_role_arn": resource.resource_role_arn[:-3]}
    assert event.detail["via"] == "admin"


def test_a_resource_cannot_be_moved_to_another_project_in_the_admin(staff_client, resource):
    elsewhere = ProjectFactory()
    url = reverse("admin:resources_resource_change", args=[resource.pk])
    assert 'name="project"' not in staff_client.get(url).content.decode()
    _resource_change(staff_client, resource, project=elsewhere.pk, name="renamed")
    resource.refresh_from_db()
    assert (resource.project_id, resource.name) != (elsewhere.pk, "renamed")
    assert resource.name == "renamed"


def test_removing_the_last_admin_in_the_admin_says_why_and_changes_nothing(
    staff_client, admin_membership
):
    url = reverse("admin:resources_membership_delete", args=[admin_membership.pk])
    response = staff_client.post(url, {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert "A project needs at least one admin." in response.content.decode()
    assert Membership.objects.filter(pk=admin_membership.pk).exists()
    assert not AuditEvent.objects.filter(action="membership.remove").exists()


def test_accounts_added_inline_on_the_resource_page_go_through_the_service(staff_client, resource):
    response = _resource_change(
        staff_client,
        resource,
        **{
            "accounts-TOTAL_FORMS": "1",
            "accounts-0-name": "ReadOnly",
            "accounts-0-target_role_arn": "arn:aws:iam::123456789012:role/ReadOnly",
            "accounts-0-session_duration": "1800",
            "accounts-0-resource": resource.pk,
        },
    )
    assert response.status_code == 302, response.content[:3000]
    account = Account.objects.get(resource=resource)
    assert (account.name, account.created_by.username) == ("ReadOnly", "root")
    assert AuditEvent.objects.get(action="account.create").detail["via"] == "admin"
