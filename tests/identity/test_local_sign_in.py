"""Local passwords (embedded default, sandbox, break-glass): throttled per account and per
client IP, the right password refused while throttled, Django admin through the same page."""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"  # the factories' password


def _attempt(client, login, password, ip="203.0.113.7"):
    return client.post(reverse("login"), {"login": login, "password": password}, REMOTE_ADDR=ip)


def test_twenty_wrong_passwords_then_even_the_right_one_is_refused(client, settings):
    settings.PAM_LOGIN_LOCKOUT_MINUTES = 15
    user = UserFactory(username="alice")
    responses = [_attempt(client, "alice", f"wrong-{n}") for n in range(20)]
    assert all(r.status_code == 200 for r in responses)
    assert "Too many sign-in attempts: try again in 15 minutes." in responses[-1].content.decode()
    refused = _attempt(client, "alice", PASSWORD)
    assert refused.status_code == 200
    assert "Too many sign-in attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert user.pk  # still there, not locked out for good


def test_the_account_is_throttled_whatever_ip_the_attempts_come_from(client):
    UserFactory(username="bob")
    for n in range(6):
        _attempt(client, "bob", "wrong", ip=f"198.51.100.{n}")
    response = _attempt(client, "bob", PASSWORD, ip="198.51.100.99")
    assert "Too many sign-in attempts" in response.content.decode()


def test_one_ip_is_throttled_across_accounts(client):
    for n in range(11):
        _attempt(client, f"nobody-{n}", "wrong", ip="192.0.2.50")
    UserFactory(username="carol")
    response = _attempt(client, "carol", PASSWORD, ip="192.0.2.50")
    assert "Too many sign-in attempts" in response.content.decode()
    # Someone else, elsewhere, signs in.
    assert _attempt(Client(), "carol", PASSWORD, ip="192.0.2.51").status_code == 302


def test_the_right_password_signs_in_before_any_throttle(client):
    UserFactory(username="dave")
    assert _attempt(client, "dave", "wrong").status_code == 200
    assert _attempt(client, "dave", PASSWORD).status_code == 302


def test_failed_and_throttled_sign_ins_are_logged_without_the_password(client, caplog):
    UserFactory(username="erin")
    with caplog.at_level(logging.WARNING, logger="identity.adapter"):
        for _ in range(6):
            _attempt(client, "erin", "hunter2-not-logged")
    text = caplog.text
    assert "Sign-in failed: login='erin'" in text and "Sign-in throttled: login='erin'" in text
    assert "hunter2-not-logged" not in text


def test_django_admin_signs_in_through_the_same_page(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert follow.status_code == 302 and follow["Location"].startswith(reverse("login"))
    assert "next=/admin/" in follow["Location"]


def test_admin_throttle_is_the_same_throttle(client):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    for _ in range(20):
        _attempt(client, "root", "wrong")
    assert "Too many sign-in attempts" in _attempt(client, "root", PASSWORD).content.decode()
    # Django admin's own form is not another door: its URL goes to the app's sign-in page.
    direct = client.post(reverse("admin:login"), {"username": "root", "password": PASSWORD})
    assert direct.status_code == 405
    assert "_auth_user_id" not in client.session


def test_admin_sign_in_page_sends_signed_in_staff_on_and_refuses_others(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("admin:login"))["Location"] == reverse("admin:index")
    client.force_login(UserFactory())
    assert client.get(reverse("admin:login")).status_code == 403


def test_password_sign_in_is_refused_when_turned_off(client, settings):
    settings.PAM_LOCAL_LOGIN = False
    UserFactory(username="frank")
    response = _attempt(client, "frank", PASSWORD)
    assert "Signing in with a password is turned off" in response.content.decode()
