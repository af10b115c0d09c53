"""No credential, sign-in token or login URL ever lands in the database or the logs."""

import logging

import pytest
from django.forms.models import model_to_dict

from accounts import access
from pamsite.aws.chain import bridge_cache
from sessions_audit.models import AccessSession, AuditEvent
from tests.aws.fixtures import SIGNIN_TOKEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def seen(monkeypatch):
    """Capture every credential handed to the federation step and every login URL made."""
    secrets: list[str] = []
    real_token, real_url = access.get_signin_token, access.login_url

    def get_signin_token(credentials, **kwargs):
        secrets.extend(
            [credentials.access_key_id, credentials.secret_access_key, credentials.session_token]
        )
        return real_token(credentials, **kwargs)

    def login_url(**kwargs):
        url = real_url(**kwargs)
        secrets.append(url)
        return url

    monkeypatch.setattr(access, "get_signin_token", get_signin_token)
    monkeypatch.setattr(access, "login_url", login_url)
    return secrets


def _stored_text() -> str:
    rows = [model_to_dict(row) for row in AccessSession.objects.all()]
    rows += [model_to_dict(row) for row in AuditEvent.objects.all()]
    # model_to_dict skips non-editable fields; add them back.
    rows += list(AccessSession.objects.values())
    rows += list(AuditEvent.objects.values())
    return repr(rows)


def _log_text(caplog) -> str:
    parts = []
    # The clicks happen in the both_outcomes fixture: their records belong to the setup phase.
    for record in caplog.get_records("setup") + caplog.get_records("call"):
        if record.name.startswith("moto"):
            continue  # the AWS stand-in's own request dumps, not product code
        parts.append(record.getMessage())
        if record.exc_text:
            parts.append(record.exc_text)
    return "\n".join(parts)


@pytest.fixture
def both_outcomes(client, access_world, seen, caplog):
    caplog.set_level(logging.DEBUG)
    client.force_login(access_world.member)
    success = client.post(
        f"/projects/{access_world.project.slug}/accounts/{access_world.account.pk}/access/"
    )
    access_world.federation.respond(status_code=500)
    failure = client.post(
        f"/projects/{access_world.project.slug}/accounts/{access_world.account.pk}/access/"
    )
    assert (success.status_code, failure.status_code) == (302, 502)
    assert AccessSession.objects.count() == 2
    bridges = [bridge.credentials for bridge in bridge_cache._entries.values()]
    bridge_secrets = [secret for c in bridges for secret in (c.secret_access_key, c.session_token)]
    return seen + bridge_secrets + [SIGNIN_TOKEN]


def test_secrets_were_really_produced(both_outcomes):
    # 2 x (key id, secret, token) + 1 login URL + the bridge's secret and token + the sign-in
    # token: the checks below look for real values.
    assert len(both_outcomes) == 10


def test_no_secret_is_stored(both_outcomes):
    stored = _stored_text()

    leaked = [secret for secret in both_outcomes if secret in stored]

    assert leaked == []


def test_no_secret_is_logged(both_outcomes, caplog):
    logged = _log_text(caplog)
    assert "Access opened" in logged and "Access failed" in logged  # the logs were captured

    leaked = [secret for secret in both_outcomes if secret in logged]

    assert leaked == []


def test_the_failure_page_shows_no_secret(client, access_world, seen):
    access_world.federation.respond(status_code=500)
    client.force_login(access_world.member)

    response = client.post(
        f"/projects/{access_world.project.slug}/accounts/{access_world.account.pk}/access/"
    )

    assert [secret for secret in seen if secret in response.content.decode()] == []
