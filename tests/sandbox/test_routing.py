import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_the_federation_stand_in_is_not_routed_without_pam_sandbox(client):
    assert not settings.PAM_SANDBOX
    assert client.post("/sandbox/federation", {"Action": "getSigninToken"}).status_code == 404


def test_the_sandbox_app_is_not_installed_with_debug_off():
    assert not settings.DEBUG
    assert "sandbox" not in settings.INSTALLED_APPS


BANNER = "Sandbox: AWS is simulated on this machine"


def test_pages_show_the_sandbox_banner_when_pam_sandbox_is_on(client, settings):
    settings.PAM_SANDBOX = True
    assert BANNER in client.get("/login/").content.decode()


def test_pages_show_no_sandbox_banner_otherwise(client):
    assert BANNER not in client.get("/login/").content.decode()


def test_the_product_code_does_not_branch_on_the_sandbox():
    """Only settings, URL routing and the banner know about the sandbox; the Access path sees
    nothing but endpoint settings (AWS_ENDPOINT_URL, PAM_FEDERATION_ENDPOINT)."""
    allowed = {"pamsite/settings.py", "pamsite/urls.py", "pamsite/context_processors.py"}
    base = Path(settings.BASE_DIR)
    offenders = [
        str(path.relative_to(base))
        for app in ("pamsite", "resources", "accounts", "sessions_audit")
        for path in (base / app).rglob("*.py")
        if str(path.relative_to(base)) not in allowed
        and re.search(r"PAM_SANDBOX|from sandbox|import sandbox|aws\.sandbox", path.read_text())
        and path.relative_to(base) != Path("pamsite/aws/sandbox.py")
    ]
    assert offenders == []
