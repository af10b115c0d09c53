"""On a phone (390 px wide) every page fits the screen: no sideways scrolling, the site's
bars leave room for the page, and a table row's lines stay straight."""

import re
from datetime import UTC
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from resources.models import Membership
from sessions_audit.models import AccessSession
from tests.browser.conftest import assert_no_script_or_csp_errors
from tests.factories import (
    AccessSessionFactory,
    AccountFactory,
    MembershipFactory,
    ResourceFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LONG_EMAIL = "firstname.lastname-with-a-long-tail@subsidiary.example.com"


def sign_in_as(page, base_url: str, user) -> None:
    """A signed-in browser without the sign-in form: the session cookie of a test client."""
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    page.context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": base_url}])


@pytest.fixture
def busy_project(settings):
    settings.PAM_SANDBOX = True  # the banner, on every page
    admin = UserFactory(username="admin-phone", email=LONG_EMAIL)
    project = MembershipFactory(user=admin, role=Membership.Role.ADMIN).project
    for n in range(3):
        MembershipFactory(
            project=project,
            role=Membership.Role.AUDITOR,
            user=UserFactory(username=f"auditor{n}", email=f"auditor-{n}-{LONG_EMAIL}"),
        )
    resource = ResourceFactory(
        project=project,
        name="production-payments-eu-west",
        resource_role_arn="arn:aws:iam::123456789012:role/platform/bridges/PamBridgeForPayments",
    )
    account = AccountFactory(
        resource=resource,
        name="payments-read-only-with-a-long-name",
        description="Read-only access to the payments account for on-call engineers.",
        target_role_arn="arn:aws:iam::123456789012:role/engineering/oncall/PaymentsReadOnlyRole",
        # A page to choose next to Access, a region and a step-up: the row's widest.
        console_region="eu-west-1",
        destinations="CloudWatch dashboards | /cloudwatch/home\nS3 | /s3/home",
        step_up_minutes=15,
    )
    AccountFactory(resource=resource, name="admin")
    session = AccessSessionFactory(
        account=account,
        user=admin,
        assumed_role_arn=f"arn:aws:sts::123456789012:assumed-role/PaymentsReadOnlyRole/{LONG_EMAIL}",
        assumed_role_id=f"AROAEXAMPLEEXAMPLE12:{LONG_EMAIL}",
        user_agent="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        source_ip="2001:db8:85a3::8a2e:370:7334",
    )
    AccessSessionFactory(
        account=account,
        user=admin,
        status=AccessSession.Status.FAILED,
        expires_at=None,
        duration_seconds=1800,
        failure_code="RateLimited",
        failure_message="You opened more than 10 console sessions in the last minute.",
    )
    return admin, project, session


def _pages(project, session):
    slug = project.slug
    return {
        "accounts": f"/projects/{slug}/accounts/",
        "members": f"/projects/{slug}/members/",
        "sessions": f"/projects/{slug}/sessions/",
        "session": f"/projects/{slug}/sessions/{session.pk}/",
        "resources": f"/projects/{slug}/resources/",
        "requests": f"/projects/{slug}/requests/",
        "my-sessions": "/me/sessions/",
    }


@pytest.mark.parametrize(
    "name", ["accounts", "members", "sessions", "session", "resources", "requests", "my-sessions"]
)
def test_no_page_scrolls_sideways_on_a_phone(site, page, shot, busy_project, name):
    admin, project, session = busy_project
    sign_in_as(page, site.url, admin)
    page.set_viewport_size(PHONE)
    page.goto(site.url + _pages(project, session)[name])

    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    # The sandbox banner, the top bar and the tabs leave the page most of the screen.
    chrome = page.evaluate("() => document.getElementById('main').getBoundingClientRect().top")
    shot(page, f"phone-{name}")
    assert scroll_width <= inner_width, (scroll_width, inner_width)
    assert chrome <= PHONE["height"] / 4, chrome
    assert_no_script_or_csp_errors(page)


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}])
def test_the_accounts_rows_lines_stay_straight_beside_the_access_button(
    site, page, busy_project, viewport
):
    admin, project, session = busy_project
    sign_in_as(page, site.url, admin)
    page.set_viewport_size(viewport)
    page.goto(site.url + _pages(project, session)["accounts"])

    rows = page.evaluate(
        """() => [...document.querySelectorAll("tbody tr")].map(row =>
             [...row.querySelectorAll("td")]
               .filter(td => getComputedStyle(td).display !== "none")
               .map(td => [
                 getComputedStyle(td).display, Math.round(td.getBoundingClientRect().bottom),
               ]))"""
    )
    assert len(rows) == 2
    for cells in rows:
        assert {display for display, _ in cells} == {"table-cell"}
        assert len({bottom for _, bottom in cells}) == 1, cells  # one line under the row


def test_times_show_in_the_viewers_zone_with_utc_on_hover(site, chromium, busy_project):
    admin, project, session = busy_project
    context = chromium.new_context(timezone_id="Asia/Tokyo", locale="en-US")
    try:
        page = context.new_page()
        sign_in_as(page, site.url, admin)
        page.goto(site.url + _pages(project, session)["session"])
        started = page.locator("dt:text-is('Started') + dd time")
        expires = page.locator("dt:text-is('Expires') + dd time")
        utc = session.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        tokyo = session.created_at.astimezone(ZoneInfo("Asia/Tokyo"))

        expect(started).to_have_attribute("title", utc)
        expect(started).to_contain_text(re.compile(r"(seconds?|minutes?) ago|now"))
        expect(started).to_contain_text(f"{tokyo:%-I}:{tokyo:%M}")
        expect(expires).to_contain_text(re.compile(r"ends in (59|60) minutes|ends in 1 hour"))
    finally:
        context.close()


def test_the_switch_button_shows_with_a_ring_when_the_keyboard_reaches_it(site, page, busy_project):
    admin, project, session = busy_project
    sign_in_as(page, site.url, admin)
    page.goto(site.url + _pages(project, session)["accounts"])
    switch = page.get_by_role("button", name="Switch")
    expect(switch).to_have_class(re.compile("visually-hidden-focusable"))
    assert switch.bounding_box()["width"] <= 1  # out of sight for the mouse

    page.locator("#project-switch").focus()
    page.keyboard.press("Tab")

    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Switch"
    assert switch.bounding_box()["width"] > 20
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"


def test_the_copy_buttons_and_dark_theme(site, chromium, busy_project, shot):
    admin, project, session = busy_project
    context = chromium.new_context(color_scheme="dark", viewport=PHONE)
    try:
        page = context.new_page()
        sign_in_as(page, site.url, admin)
        page.goto(site.url + _pages(project, session)["resources"])
        expect(page.get_by_role("button", name="Copy the External ID")).to_be_visible()
        background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        red, green, blue = (int(n) for n in re.findall(r"\d+", background)[:3])
        assert max(red, green, blue) < 60, background  # dark, from prefers-color-scheme
        shot(page, "phone-resources-dark")
    finally:
        context.close()
