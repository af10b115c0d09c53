"""Retiring a Resource: neither it nor any account under it can be opened or changed any more,
and its history stays. Admins only, audited, with a confirmation step that needs no script."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.access import account_access
from accounts.models import Account
from accounts.services import account_create, account_update
from resources.models import Resource
from resources.projects import project_archive
from resources.services import resource_retire, resource_revalidate, resource_update
from sessions_audit.models import AccessSession, AuditAction, AuditEvent
from tests.factories import AccessSessionFactory, AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_console_is_trapped(monkeypatch):
    def trap(**kwargs):
        raise AssertionError("open_console called for a retired resource")

    monkeypatch.setattr("accounts.access.open_console", trap)


@pytest.fixture
def retired(resource, admin_user):
    return resource_retire(actor=admin_user, resource=resource)


def test_retiring_records_when_and_keeps_the_old_value(retired, admin_user):
    assert retired.retired_at is not None
    event = AuditEvent.objects.get(action=AuditAction.RESOURCE_RETIRE)
    assert (event.actor, event.project, event.target) == (admin_user, retired.project, retired.name)
    assert event.detail == {
        "retired_at": retired.retired_at.isoformat(),
        "old": {"retired_at": None},
        "via": "app",
    }


@pytest.mark.parametrize("role", ["member", "auditor"])
def test_only_admins_retire(resource, project, role, request):
    user = request.getfixturevalue(f"{role}_user")
    with pytest.raises(PermissionDenied):
        resource_retire(actor=user, resource=resource)
    assert Resource.objects.get(pk=resource.pk).retired_at is None
    assert not AuditEvent.objects.exists()


def test_nothing_is_retired_in_an_archived_project(resource, project, admin_user):
    project_archive(actor=admin_user, project=project)
    resource = Resource.objects.get(pk=resource.pk)
    with pytest.raises(PermissionDenied, match="archived"):
        resource_retire(actor=admin_user, resource=resource)


def test_a_retired_resource_is_not_retired_again(retired, admin_user):
    with pytest.raises(ValidationError, match="retired"):
        resource_retire(actor=admin_user, resource=retired)
    assert AuditEvent.objects.filter(action=AuditAction.RESOURCE_RETIRE).count() == 1


def test_a_retired_resource_and_its_accounts_no_longer_change(retired, admin_user):
    account = AccountFactory(resource=retired)
    with pytest.raises(ValidationError, match="retired"):
        resource_update(
            actor=admin_user,
            resource=retired,
            name="x",
            resource_role_arn=retired.resource_role_arn,
        )
    with pytest.raises(ValidationError, match="retired"):
        resource_revalidate(actor=admin_user, resource=retired)
    with pytest.raises(ValidationError, match="retired") as refused:
        account_create(
            actor=admin_user,
            resource=retired,
            name="new",
            target_role_arn="arn:aws:iam::123456789012:role/New",
            session_duration=3600,
        )
    assert "resource" in refused.value.error_dict
    with pytest.raises(ValidationError, match="retired"):
        account_update(
            actor=admin_user,
            account=account,
            name="renamed",
            target_role_arn=account.target_role_arn,
            session_duration=3600,
        )
    assert list(Account.objects.values_list("name", flat=True)) == [account.name]


def test_no_console_opens_under_a_retired_resource(retired, member_user, open_console_is_trapped):
    account = Account.objects.select_related("resource__project").get(
        pk=AccountFactory(resource=retired, name="read-only").pk
    )
    with pytest.raises(PermissionDenied, match=f"{retired.name}, which is retired"):
        account_access(user=member_user, account=account, source_ip=None, user_agent="")
    assert not AccessSession.objects.exists()


def test_the_access_button_is_refused_with_a_page_that_says_why(
    client, retired, member_user, open_console_is_trapped
):
    account = AccountFactory(resource=retired)
    client.force_login(member_user)
    response = client.post(reverse("accounts:access", args=[retired.project.slug, account.pk]))
    assert response.status_code == 403
    assert "which is retired" in response.content.decode()
    assert not AccessSession.objects.exists()


# The pages


def _retire_url(resource):
    return reverse("resources:retire", args=[resource.project.slug, resource.pk])


def test_the_edit_page_has_a_retire_button_for_admins(client, admin_user, resource):
    client.force_login(admin_user)
    body = client.get(reverse("resources:edit", args=[resource.project.slug, resource.pk]))
    assert f'action="{_retire_url(resource)}"' in body.content.decode()


def test_members_see_no_retire_button(client, member_user, resource):
    client.force_login(member_user)
    body = client.get(reverse("resources:edit", args=[resource.project.slug, resource.pk]))
    assert _retire_url(resource) not in body.content.decode()


def test_retire_asks_first_and_changes_nothing(client, admin_user, resource):
    AccountFactory(resource=resource)
    client.force_login(admin_user)

    response = client.post(_retire_url(resource))

    assert response.status_code == 200
    body = response.content.decode()
    assert f"Retire {resource.name}?" in body
    assert 'name="confirm" value="yes"' in body
    assert "1 account(s)" in body
    assert Resource.objects.get(pk=resource.pk).retired_at is None
    assert not AuditEvent.objects.exists()


def test_retire_confirmed_retires_and_says_so(client, admin_user, resource):
    client.force_login(admin_user)

    response = client.post(_retire_url(resource), {"confirm": "yes"}, follow=True)

    assert Resource.objects.get(pk=resource.pk).retired_at is not None
    body = response.content.decode()
    assert f"Resource {resource.name} retired" in body
    assert 'class="badge retired"' in body
    # Read-only now: no edit form, no Validate again, no second Retire button.
    assert 'id="id_resource_role_arn"' not in body
    assert "Validate again" not in body
    assert _retire_url(resource) not in body


def test_retiring_twice_says_it_already_is(client, admin_user, retired):
    client.force_login(admin_user)
    response = client.post(_retire_url(retired), {"confirm": "yes"}, follow=True)
    assert "is retired" in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.RESOURCE_RETIRE).count() == 1


def test_lists_show_retired_and_no_access_button(client, member_user, retired):
    account = AccountFactory(resource=retired, name="read-only")
    AccessSessionFactory(account=account)
    client.force_login(member_user)
    slug = retired.project.slug

    resources = client.get(reverse("resources:list", args=[slug])).content.decode()
    accounts = client.get(reverse("accounts:list", args=[slug])).content.decode()

    assert 'class="badge retired">Retired<' in resources
    assert 'class="badge retired">Retired<' in accounts
    assert reverse("accounts:access", args=[slug, account.pk]) not in accounts


def test_the_account_form_offers_no_retired_resource(client, admin_user, retired, project):
    client.force_login(admin_user)
    response = client.get(reverse("accounts:create", args=[project.slug]))
    assert list(response.context["form"].fields["resource"].queryset) == []
    assert "Add a <a" in response.content.decode()  # add a resource first
