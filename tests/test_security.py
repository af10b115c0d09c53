import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from pamsite.security import content_security_policy, rate_limit_exceeded

pytestmark = pytest.mark.django_db


def test_every_page_sends_the_security_headers(client):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_form_action_allows_the_aws_sign_in_hosts_the_access_redirect_goes_to(settings):
    settings.PAM_FEDERATION_ENDPOINT = "http://127.0.0.1:8000/sandbox/federation"
    csp = content_security_policy()
    form_action = next(d for d in csp.split("; ") if d.startswith("form-action"))
    assert "https://signin.aws.amazon.com" in form_action
    assert "https://signin.amazonaws-us-gov.com" in form_action
    assert "https://signin.amazonaws.cn" in form_action
    assert "http://127.0.0.1:8000" in form_action


def test_database_down_answers_503_without_a_traceback(monkeypatch, admin_user):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)

    def broken(*args, **kwargs):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')

    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", broken)
    response = client.get(reverse("home"))
    assert response.status_code == 503
    body = response.content.decode()
    assert "cannot reach its database" in body
    assert "Traceback" not in body and "OperationalError" not in body
    assert response["Retry-After"] == "30"


def test_other_errors_answer_a_plain_500(monkeypatch, admin_user):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", broken)
    response = client.get(reverse("home"))
    assert response.status_code == 500
    assert "secret internals" not in response.content.decode()


def test_rate_limit_counts_per_key():
    assert not any(rate_limit_exceeded(key="access:1", limit=3) for _ in range(3))
    assert rate_limit_exceeded(key="access:1", limit=3)
    assert not rate_limit_exceeded(key="access:2", limit=3)


def test_rate_limit_fails_open_when_the_cache_is_down(monkeypatch, caplog):
    def down(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr("pamsite.security.cache.add", down)
    assert rate_limit_exceeded(key="access:9", limit=1) is False
    assert "rate limit not enforced" in caplog.text
