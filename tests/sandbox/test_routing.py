import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_the_federation_stand_in_is_not_routed_without_pam_sandbox(client):
    assert not settings.PAM_SANDBOX
    assert client.post("/sandbox/federation", {"Action": "getSigninToken"}).status_code == 404


def test_the_sandbox_app_is_not_installed_with_debug_off():
    assert not settings.DEBUG
    assert "sandbox" not in settings.INSTALLED_APPS
