"""Django's User admin is audited: email, flags, activation and passwords."""

import pytest
from django.urls import reverse

from sessions_audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def _change(client, user, **changes):
    data = {
        "username": user.username,
        "email": user.email,
        "first_name": "",
        "last_name": "",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        **changes,
    }
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(reverse("admin:auth_user_change", args=[user.pk]), data)


def test_an_email_change_is_audited_with_old_and_new(client, root):
    alice = UserFactory(email="alice@example.com")
    response = _change(client, alice, email="alice@new.example.com")
    assert response.status_code == 302, response.content[:2000]
    event = AuditEvent.objects.get(action="user.update")
    assert event.detail == {
        "email": "alice@new.example.com",
        "old": {"email": "alice@example.com"},
        "via": "admin",
    }
    assert (event.actor, event.target) == (root, "alice@new.example.com")


def test_flags_and_deactivation_are_audited(client, root):
    bob = UserFactory(email="bob@example.com")
    _change(client, bob, is_staff="on", is_superuser="on", is_active=None)
    event = AuditEvent.objects.get(action="user.update")
    assert event.detail["old"] == {"is_active": True, "is_staff": False, "is_superuser": False}
    assert (event.detail["is_active"], event.detail["is_staff"]) == (False, True)


def test_saving_without_a_change_writes_nothing(client, root):
    carol = UserFactory()
    _change(client, carol)
    assert not AuditEvent.objects.filter(action="user.update").exists()


def test_a_password_set_by_an_admin_is_audited_without_the_password(client, root):
    dave = UserFactory(email="dave@example.com")
    url = reverse("admin:auth_user_password_change", args=[dave.pk])
    secret = "A-new-password-for-dave-42"
    response = client.post(
        url, {"password1": secret, "password2": secret, "usable_password": "true"}
    )
    assert response.status_code == 302, response.content[:2000]
    event = AuditEvent.objects.get(action="user.password_set")
    assert event.target == "dave@example.com"
    assert secret not in str(event.detail) and "pbkdf2" not in str(event.detail).lower()
