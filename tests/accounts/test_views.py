import pytest
from django.urls import reverse

from accounts.models import Account
from tests.factories import AccountFactory, ProjectFactory, ResourceFactory, UserFactory

pytestmark = pytest.mark.django_db

TARGET = "arn:aws:iam::123456789012:role/ReadOnly"
HTMX = {"HX-Request": "true"}


def _form(resource, **overrides):
    data = {
        "resource": resource.pk,
        "name": "read-only",
        "description": "",
        "target_role_arn": TARGET,
        "session_duration": "15m",
    }
    data.update(overrides)
    return data


def test_account_list_is_404_for_non_members(client, account):
    client.force_login(UserFactory())
    url = reverse("accounts:list", args=[account.resource.project.slug])
    assert client.get(url).status_code == 404


def test_member_gets_an_access_button_that_opens_a_new_tab(client, member_user, account):
    client.force_login(member_user)
    project = account.resource.project
    body = client.get(reverse("accounts:list", args=[project.slug])).content.decode()
    access_url = reverse("accounts:access", args=[project.slug, account.pk])
    assert f'action="{access_url}" class="access-form" target="_blank" rel="noopener"' in body


def test_access_button_is_a_post_form(client, member_user, account):
    client.force_login(member_user)
    project = account.resource.project
    body = client.get(reverse("accounts:list", args=[project.slug])).content.decode()
    assert (
        '<form method="post" action="' + reverse("accounts:access", args=[project.slug, account.pk])
        in body
    )


def test_auditor_gets_no_access_button(client, auditor_user, account):
    client.force_login(auditor_user)
    project = account.resource.project
    body = client.get(reverse("accounts:list", args=[project.slug])).content.decode()
    assert account.name in body
    assert reverse("accounts:access", args=[project.slug, account.pk]) not in body


def test_account_list_says_how_long_the_console_lasts_and_why(client, member_user, account):
    Account.objects.filter(pk=account.pk).update(session_duration=1800, validation_status="valid")
    client.force_login(member_user)
    body = client.get(
        reverse("accounts:list", args=[account.resource.project.slug])
    ).content.decode()
    assert (
        '<span title="The console will last 30 minutes: the account&#x27;s session duration.">'
        "30 minutes</span>"
    ) in body
    Account.objects.filter(pk=account.pk).update(session_duration=3600)
    body = client.get(
        reverse("accounts:list", args=[account.resource.project.slug])
    ).content.decode()
    assert (
        "the account&#x27;s session duration and AWS&#x27;s 1-hour limit for role-chained sessions"
    ) in body


def test_admin_creates_an_account_with_a_written_duration(client, admin_user, resource):
    client.force_login(admin_user)
    response = client.post(
        reverse("accounts:create", args=[resource.project.slug]),
        _form(resource, session_duration="45m"),
    )
    assert response.status_code == 302
    assert Account.objects.get(resource=resource, name="read-only").session_duration == 2700


def test_too_long_duration_is_an_inline_error(client, admin_user, resource):
    client.force_login(admin_user)
    response = client.post(
        reverse("accounts:create", args=[resource.project.slug]),
        _form(resource, session_duration="2h"),
        headers=HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="account-form"' in body
    assert "role chaining" in body
    assert not Account.objects.filter(resource=resource).exists()


def test_duration_without_unit_is_an_inline_error(client, admin_user, resource):
    client.force_login(admin_user)
    response = client.post(
        reverse("accounts:create", args=[resource.project.slug]),
        _form(resource, session_duration="30"),
    )
    assert "Add a unit" in " ".join(response.context["form"].errors["session_duration"])


def test_resource_of_another_project_cannot_be_chosen(client, admin_user, project):
    foreign = ResourceFactory(project=ProjectFactory())
    client.force_login(admin_user)
    response = client.post(reverse("accounts:create", args=[project.slug]), _form(foreign))
    assert "resource" in response.context["form"].errors
    assert not Account.objects.filter(resource=foreign).exists()


def test_member_cannot_create_an_account(client, member_user, resource):
    client.force_login(member_user)
    response = client.post(
        reverse("accounts:create", args=[resource.project.slug]), _form(resource)
    )
    assert response.status_code == 403
    assert not Account.objects.filter(resource=resource).exists()


def test_edit_form_shows_the_stored_duration_written_out(client, admin_user, account):
    client.force_login(admin_user)
    body = client.get(
        reverse("accounts:edit", args=[account.resource.project.slug, account.pk])
    ).content.decode()
    assert 'value="1h"' in body


def test_admin_edits_an_account(client, admin_user, account):
    client.force_login(admin_user)
    response = client.post(
        reverse("accounts:edit", args=[account.resource.project.slug, account.pk]),
        _form(account.resource, name="renamed", session_duration="30m"),
    )
    account.refresh_from_db()
    assert response.status_code == 302
    assert (account.name, account.session_duration) == ("renamed", 1800)


def test_auditor_cannot_edit_an_account(client, auditor_user, account):
    client.force_login(auditor_user)
    url = reverse("accounts:edit", args=[account.resource.project.slug, account.pk])
    assert client.get(url).status_code == 403


def test_account_of_another_project_is_404(client, admin_user, project):
    foreign = AccountFactory()
    client.force_login(admin_user)
    url = reverse("accounts:edit", args=[project.slug, foreign.pk])
    assert client.get(url).status_code == 404


def test_access_is_refused_on_get(client, member_user, account):
    client.force_login(member_user)
    url = reverse("accounts:access", args=[account.resource.project.slug, account.pk])
    assert client.get(url).status_code == 405


def test_inline_error_is_tied_to_its_field(client, admin_user, resource):
    client.force_login(admin_user)
    body = client.post(
        reverse("accounts:create", args=[resource.project.slug]),
        _form(resource, session_duration="2h"),
    ).content.decode()
    assert 'aria-describedby="id_session_duration_helptext id_session_duration_error"' in body
    assert 'id="id_session_duration_error"' in body
