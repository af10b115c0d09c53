"""Just-in-time access in chromium: a member asks, an admin approves in a second browser, the
member's Access opens the console, the grant ends and Access refuses."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from access_requests.models import AccessRequest
from resources.models import Membership
from sessions_audit.models import AccessSession
from tests.browser.conftest import assert_no_script_or_csp_errors, create_roles
from tests.browser.test_small_screens import sign_in_as
from tests.factories import AccountFactory, MembershipFactory, ResourceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_request_approve_open_and_the_grant_ends(site, moto_server, chromium, shot):
    admin = UserFactory(username="ann", email="ann@example.com")
    project = MembershipFactory(user=admin, role=Membership.Role.ADMIN).project
    member = MembershipFactory(
        project=project,
        role=Membership.Role.MEMBER,
        user=UserFactory(username="mo", email="mo@example.com"),
    ).user
    bridge_arn, target_arn = create_roles(moto_server, external_id=project.external_id)
    resource = ResourceFactory(
        project=project, resource_role_arn=bridge_arn, validation_status="valid"
    )
    AccountFactory(
        resource=resource,
        name="Admin",
        target_role_arn=target_arn,
        validation_status="valid",
        access_policy="request",
    )

    asking = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    asking.console_errors = []
    asking.on(
        "console", lambda m: asking.console_errors.append(m.text) if m.type == "error" else None
    )
    sign_in_as(asking, site.url, member)
    asking.goto(f"{site.url}/projects/{project.slug}/accounts/")
    asking.get_by_role("link", name=re.compile(r"^Request access")).click()
    asking.get_by_label("Reason").fill("Rotate the leaked key")
    asking.get_by_label("For how long").fill("30m")
    shot(asking, "request-form")
    asking.get_by_role("button", name="Request access").click()
    expect(asking.get_by_test_id("request-status")).to_have_text("Pending")

    approving = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in_as(approving, site.url, admin)
    approving.goto(f"{site.url}/projects/{project.slug}/accounts/")
    expect(approving.locator("nav.tabs")).to_contain_text("Requests 1")
    approving.locator("nav.tabs").get_by_role("link", name=re.compile("^Requests")).click()
    approving.locator("section", has_text="To review").get_by_role("link").first.click()
    approving.get_by_label("Comment").fill("Go ahead")
    shot(approving, "request-review")
    approving.get_by_role("button", name="Approve").click()
    expect(approving.get_by_test_id("request-status")).to_have_text("Approved")

    asking.goto(f"{site.url}/projects/{project.slug}/accounts/")
    shot(asking, "request-granted")
    with asking.context.expect_page() as new_tab:
        asking.get_by_role("button", name=re.compile(r"^Access")).click()
    console = new_tab.value
    console.wait_for_load_state()
    expect(console.get_by_test_id("assumed-role-arn")).to_contain_text("mo@example.com")
    session = AccessSession.objects.get()
    assert session.grant_id == AccessRequest.objects.get().pk
    assert session.duration_seconds <= 1800
    console.close()
    approving.goto(f"{site.url}/projects/{project.slug}/sessions/{session.pk}/")
    expect(approving.get_by_test_id("session-grant")).to_contain_text(
        "Rotate the leaked key; approved by ann@example.com"
    )

    # The grant's time is up: the account asks for a request again.
    AccessRequest.objects.update(grant_ends_at=timezone.now())
    asking.goto(f"{site.url}/projects/{project.slug}/accounts/")
    expect(asking.get_by_role("link", name=re.compile(r"^Request access"))).to_be_visible()
    expect(asking.get_by_role("button", name=re.compile(r"^Access"))).to_have_count(0)
    assert AccessSession.objects.count() == 1
    assert_no_script_or_csp_errors(asking)
