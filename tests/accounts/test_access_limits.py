from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.urls import reverse

from sessions_audit.models import AccessSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def console_opens(monkeypatch):
    """The AWS part of Access succeeds without AWS; counts how often it is reached."""
    calls = []

    def fake_open_console(**kwargs):
        calls.append(kwargs)
        assumed = SimpleNamespace(
            assumed_role_arn="arn:aws:sts::123456789012:assumed-role/ReadOnly/x",
            assumed_role_id="AROAEXAMPLE:x",
            expires_at=datetime.now(UTC) + timedelta(hours=1),
        )
        return assumed, "https://signin.aws.amazon.com/federation?Action=login"

    monkeypatch.setattr("accounts.access.open_console", fake_open_console)
    cache.clear()
    yield calls
    cache.clear()


def _access(client, account):
    project = account.resource.project
    url = reverse("accounts:access", kwargs={"slug": project.slug, "pk": account.pk})
    return client.post(url)


def test_access_over_the_per_user_limit_gets_429_and_is_recorded(
    client, settings, member_user, account, console_opens
):
    settings.PAM_ACCESS_RATE_LIMIT = 2
    client.force_login(member_user)
    assert [_access(client, account).status_code for _ in range(2)] == [302, 302]

    response = _access(client, account)

    assert response.status_code == 429
    assert "Wait a minute" in response.content.decode()
    assert len(console_opens) == 2  # the refused click never reached AWS
    refused = AccessSession.objects.get(status="failed")
    assert refused.failure_code == "RateLimited"
    assert refused.user == member_user
    assert AccessSession.objects.filter(status="active").count() == 2


def test_the_limit_is_per_user(client, settings, member_user, admin_user, account, console_opens):
    settings.PAM_ACCESS_RATE_LIMIT = 1
    client.force_login(member_user)
    assert _access(client, account).status_code == 302
    assert _access(client, account).status_code == 429
    client.force_login(admin_user)
    assert _access(client, account).status_code == 302


def test_zero_turns_the_limit_off(client, settings, member_user, account, console_opens):
    settings.PAM_ACCESS_RATE_LIMIT = 0
    client.force_login(member_user)
    assert {_access(client, account).status_code for _ in range(5)} == {302}


def test_the_redirect_into_aws_sends_no_referer(client, member_user, account, console_opens):
    client.force_login(member_user)
    response = _access(client, account)
    assert response.status_code == 302
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
