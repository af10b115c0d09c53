"""Retiring an Account: its console can no longer be opened nor the account changed, and its
history stays. Admins only, audited, with a confirmation step that needs no script."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.access import account_access
from accounts.models import Account
from accounts.services import account_retire, account_revalidate, account_update
from sessions_audit.models import AccessSession, AuditAction, AuditEvent
from tests.factories import AccessSessionFactory, AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_console_is_trapped(monkeypatch):
    def trap(**kwargs):
        raise AssertionError("open_console called for a retired account")

    monkeypatch.setattr("accounts.access.open_console", trap)


@pytest.fixture
def retired(account, admin_user):
    return account_retire(actor=admin_user, account=account)


def test_retiring_records_when_and_keeps_the_old_value(retired, admin_user):
    event = AuditEvent.objects.get(action=AuditAction.ACCOUNT_RETIRE)
    assert (event.actor, event.target) == (admin_user, retired.name)
    assert event.detail == {
        "retired_at": retired.retired_at.isoformat(),
        "old": {"retired_at": None},
        "via": "app",
    }


@pytest.mark.parametrize("role", ["member", "auditor"])
def test_only_admins_retire(account, role, request):
    user = request.getfixturevalue(f"{role}_user")
    with pytest.raises(PermissionDenied):
        account_retire(actor=user, account=account)
    assert Account.objects.get(pk=account.pk).retired_at is None
    assert not AuditEvent.objects.exists()


def test_a_retired_account_no_longer_changes(retired, admin_user):
    with pytest.raises(ValidationError, match="retired"):
        account_update(
            actor=admin_user,
            account=retired,
            name="renamed",
            target_role_arn=retired.target_role_arn,
            session_duration=1800,
        )
    with pytest.raises(ValidationError, match="retired"):
        account_revalidate(actor=admin_user, account=retired)
    with pytest.raises(ValidationError, match="retired"):
        account_retire(actor=admin_user, account=retired)
    assert Account.objects.get(pk=retired.pk).name == retired.name


def test_no_console_opens_for_a_retired_account(retired, member_user, open_console_is_trapped):
    account = Account.objects.select_related("resource__project").get(pk=retired.pk)
    with pytest.raises(PermissionDenied, match="is retired"):
        account_access(user=member_user, account=account, source_ip=None, user_agent="")
    assert not AccessSession.objects.exists()


def test_the_access_button_is_refused_before_anything_is_written(
    client, retired, member_user, open_console_is_trapped
):
    client.force_login(member_user)
    url = reverse("accounts:access", args=[retired.resource.project.slug, retired.pk])
    response = client.post(url)
    assert response.status_code == 403
    assert f"{retired.name} is retired" in response.content.decode()
    assert not AccessSession.objects.exists()


# The pages


def _retire_url(account):
    return reverse("accounts:retire", args=[account.resource.project.slug, account.pk])


def test_the_edit_page_has_a_retire_button(client, admin_user, account):
    client.force_login(admin_user)
    body = client.get(reverse("accounts:edit", args=[account.resource.project.slug, account.pk]))
    assert f'action="{_retire_url(account)}"' in body.content.decode()


def test_retire_asks_first_and_changes_nothing(client, admin_user, account):
    client.force_login(admin_user)

    response = client.post(_retire_url(account))

    assert response.status_code == 200
    body = response.content.decode()
    assert f"Retire {account.name}?" in body and 'name="confirm" value="yes"' in body
    assert Account.objects.get(pk=account.pk).retired_at is None
    assert not AuditEvent.objects.exists()


def test_retire_confirmed_retires_and_the_history_stays(client, admin_user, account):
    session = AccessSessionFactory(account=account)
    client.force_login(admin_user)
    slug = account.resource.project.slug

    response = client.post(_retire_url(account), {"confirm": "yes"}, follow=True)

    body = response.content.decode()
    assert f"Account {account.name} retired" in body
    assert 'class="badge retired"' in body and 'id="id_target_role_arn"' not in body
    assert Account.objects.get(pk=account.pk).retired_at is not None
    detail = client.get(reverse("sessions_audit:detail", args=[slug, session.pk]))
    assert detail.status_code == 200


def test_the_list_shows_retired_and_no_access_button(client, member_user, retired):
    live = AccountFactory(resource=retired.resource, name="still-open")
    client.force_login(member_user)
    slug = retired.resource.project.slug
    body = client.get(reverse("accounts:list", args=[slug])).content.decode()
    assert 'class="badge retired">Retired<' in body
    assert reverse("accounts:access", args=[slug, retired.pk]) not in body
    assert reverse("accounts:access", args=[slug, live.pk]) in body
