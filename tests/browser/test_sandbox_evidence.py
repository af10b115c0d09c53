"""In chromium, the sandbox's whole evidence story: a member opens ReadOnly, acts in the
sandbox console (a read and a refused write, real calls to moto), and an admin's Fetch now
shows them on the session's page and in the Sessions list."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from accounts.models import Account
from sandbox import cloudtrail_world
from sandbox.services import PROJECT_SLUG, RESOURCE_NAME
from sessions_audit.models import AccessSession
from tests.browser.conftest import assert_no_script_or_csp_errors
from tests.browser.test_small_screens import sign_in_as
from tests.sandbox.conftest import sandbox_aws, sandbox_site  # noqa: F401 - the seeded sandbox

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.sandbox.urls"),
]


@pytest.fixture
def browser_site(sandbox_site, settings):  # noqa: F811
    settings.SESSION_COOKIE_SECURE = False  # the live server is plain http
    settings.CSRF_COOKIE_SECURE = False
    with cloudtrail_world.recording():
        yield sandbox_site


def test_what_a_member_did_in_the_sandbox_console_reaches_the_admin(browser_site, chromium, shot):
    people = get_user_model().objects
    member_page = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in_as(member_page, browser_site, people.get(username="member"))
    member_page.goto(f"{browser_site}/projects/{PROJECT_SLUG}/accounts/")
    account = Account.objects.get(resource__name=RESOURCE_NAME, name="ReadOnly")
    with member_page.context.expect_page() as new_tab:
        member_page.locator(f'form[action$="/accounts/{account.pk}/access/"] button').first.click()
    console = new_tab.value
    console.wait_for_load_state()

    console.get_by_test_id("try-s3-list").click()
    expect(console.locator(".messages")).to_contain_text("List S3 buckets: 0 S3 bucket(s)")
    console.get_by_test_id("try-iam-create-user").click()
    expect(console.locator(".messages")).to_contain_text(
        "Create an IAM user: refused, AccessDenied"
    )
    shot(console, "sandbox-console-try")
    session = AccessSession.objects.get()

    page = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    sign_in_as(page, browser_site, people.get(username="admin"))
    page.goto(f"{browser_site}/projects/{PROJECT_SLUG}/sessions/{session.pk}/")
    page.get_by_role("button", name="Fetch now").click()
    expect(page.locator(".messages")).to_contain_text("Fetched: 2 events so far.")
    activity = page.locator(
        "section", has=page.get_by_role("heading", name="What this session did")
    )
    expect(activity).to_contain_text("iam:CreateUser")
    expect(activity).to_contain_text("AccessDenied")
    expect(activity).to_contain_text("s3:ListAllMyBuckets")
    shot(page, "sandbox-what-this-session-did")

    page.goto(f"{browser_site}/projects/{PROJECT_SLUG}/sessions/?activity=errors")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results tbody tr")).to_contain_text(re.compile(r"1\s*1 err"))
    assert_no_script_or_csp_errors(page)
