"""Playwright (sync API) driving Debian's chromium against pytest-django's live server, with
AWS served by a moto server and the federation endpoint by the sandbox's stand-in."""

import json
import os
from pathlib import Path

import boto3
import pytest
from django.conf import settings as django_settings

from tests.conftest import service_unavailable

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
# body (factories, assertions) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(django_settings.BASE_DIR) / "artifacts" / "screenshots"
MOTO_ACCOUNT = "123456789012"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        service_unavailable("Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    messages: list[str] = []
    # Every tab of the context: a CSP violation or a script error is a bug.
    context.on("console", lambda m: messages.append(m.text) if m.type == "error" else None)
    context.on("weberror", lambda e: messages.append(str(e.error)))
    page = context.new_page()
    page.console_errors = messages
    yield page
    context.close()


def assert_no_script_or_csp_errors(page) -> None:
    """Console errors other than missing resources (favicon) fail the test."""
    errors = [m for m in page.console_errors if "Failed to load resource" not in m]
    assert errors == []


@pytest.fixture
def shot():
    """shot(page, "name") saves artifacts/screenshots/name.png (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return save


@pytest.fixture
def site(live_server, moto_server, settings, monkeypatch):
    """The live site over plain http, AWS in moto, Access landing on the sandbox stand-in."""
    from tests.aws.fixtures import reset_aws_state

    boto3.client("iam", region_name="us-east-1", endpoint_url=moto_server)  # warm the models
    import httpx

    httpx.post(f"{moto_server}/moto-api/reset").raise_for_status()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.delenv("REDIS_URL", raising=False)  # tasks run eagerly, in the request
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.ROOT_URLCONF = "tests.browser.urls"
    settings.PAM_FEDERATION_ENDPOINT = f"{live_server.url}/sandbox/federation"
    settings.PAM_ISSUER_URL = f"{live_server.url}/"
    settings.PAM_PLATFORM_ACCOUNT_ID = MOTO_ACCOUNT
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    reset_aws_state()
    yield live_server
    reset_aws_state()


def create_roles(
    moto_server: str, *, external_id: str, target: str = "ReadOnly"
) -> tuple[str, str]:
    """A Resource Role and a Target Role in moto, with the trust policies the product shows."""
    from pamsite.aws import policies

    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=moto_server)
    bridge_arn = f"arn:aws:iam::{MOTO_ACCOUNT}:role/PamBridge"
    bridge_trust = policies.resource_role_trust_policy(
        platform_account_id=MOTO_ACCOUNT, external_id=external_id
    )
    iam.create_role(RoleName="PamBridge", AssumeRolePolicyDocument=json.dumps(bridge_trust))
    target_trust = policies.target_role_trust_policy(
        resource_role_arn=bridge_arn, external_id=external_id
    )
    iam.create_role(RoleName=target, AssumeRolePolicyDocument=json.dumps(target_trust))
    return bridge_arn, f"arn:aws:iam::{MOTO_ACCOUNT}:role/{target}"
