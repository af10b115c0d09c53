"""Opt-ins are checked: account validation makes hop 2 with the Resource's SourceIdentity and
tags, and says whether revocation is ready on the target role (moto, IAM authentication on)."""

import pytest
from django.urls import reverse

from accounts.validation import account_validate
from resources.models import Resource
from sessions_audit.models import AccessSession

pytestmark = pytest.mark.django_db


def _codes(account) -> list[str]:
    return [finding["code"] for finding in account.validation_warnings]


def test_revocation_ready_when_the_resource_role_may_manage_the_role(revocable_world):
    account = account_validate(account_id=revocable_world.account.pk)
    assert account.validation_status == "valid"
    assert _codes(account) == ["RevocationReady"]


def test_not_ready_when_the_statement_is_missing_with_awss_code(access_world):
    Resource.objects.filter(pk=access_world.resource.pk).update(revocation_enabled=True)
    account = account_validate(account_id=access_world.account.pk)
    assert account.validation_status == "valid"  # Access works; revocation would not
    (finding,) = account.validation_warnings
    assert finding["code"] == "RevocationNotReady" and finding["level"] == "warning"
    assert "AccessDenied" in finding["message"]


def test_without_revocation_nothing_is_said(access_world):
    account = account_validate(account_id=access_world.account.pk)
    assert (account.validation_status, _codes(account)) == ("valid", [])


def test_access_with_source_identity_and_tags_records_them(client, access_world):
    Resource.objects.filter(pk=access_world.resource.pk).update(
        source_identity_enabled=True, session_tags_enabled=True
    )
    client.force_login(access_world.member)
    url = reverse(
        "accounts:access",
        kwargs={"slug": access_world.project.slug, "pk": access_world.account.pk},
    )
    assert client.post(url).status_code == 302
    session = AccessSession.objects.get()
    assert session.source_identity == session.role_session_name == access_world.member.email
    assert session.tagged is True


def test_console_activity_is_checked_with_a_lookup(access_world, monkeypatch):
    """moto does not implement LookupEvents: the check says it was not checked, and the
    account stays valid (Access does not depend on it)."""
    Resource.objects.filter(pk=access_world.resource.pk).update(cloudtrail_enabled=True)
    account = account_validate(account_id=access_world.account.pk)
    assert account.validation_status == "valid"
    assert _codes(account) in (["ConsoleActivityNotChecked"], ["ConsoleActivityReady"])
