"""The product end to end in a real browser: sign in, add a resource and watch it turn valid,
add an account, click Access, find the session in the audit list and export it."""

import csv
import re

import pytest
from playwright.sync_api import expect

from resources.models import Membership, Resource
from sessions_audit.models import AccessSession
from tests.browser.conftest import assert_no_script_or_csp_errors, create_roles
from tests.factories import AccessSessionFactory, MembershipFactory, ResourceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def tab(page, name: str):
    return page.locator("nav.tabs").get_by_role("link", name=name, exact=True)


def sign_in(page, base_url: str, user) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def test_admin_connects_an_account_opens_it_and_audits_it(site, moto_server, page, shot):
    admin = UserFactory(username="alice", email="alice@example.com")
    project = MembershipFactory(user=admin, role=Membership.Role.ADMIN).project
    bridge_arn, target_arn = create_roles(moto_server, external_id=project.external_id)
    base = site.url

    page.goto(f"{base}/")
    expect(page).to_have_url(re.compile(r"/login/"))
    shot(page, "01-sign-in")
    sign_in(page, base, admin)
    # In one project, signing in opens it on the admin's tab: Resources.
    expect(page).to_have_url(re.compile(rf"/projects/{project.slug}/resources/$"))
    expect(page.get_by_role("heading", name="Resources")).to_be_visible()
    shot(page, "03-resources-empty")

    # A resource: the form shows the trust policy, then the resource turns valid.
    page.get_by_role("link", name="Add resource").first.click()
    expect(page.locator("#policy-resource-trust")).to_contain_text(project.external_id)
    page.get_by_label("Name", exact=True).fill("sandbox-account")
    page.get_by_label("Resource Role ARN").fill(bridge_arn)
    shot(page, "04-resource-new")
    page.get_by_role("button", name="Add resource").click()
    expect(page.get_by_role("heading", name="sandbox-account")).to_be_visible()
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "valid")
    expect(page.locator("#policy-target-trust")).to_contain_text(bridge_arn)
    expect(page.get_by_role("button", name="Copy").first).to_be_visible()
    shot(page, "05-resource-valid")

    tab(page, "Resources").click()
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "valid")
    shot(page, "06-resources")

    # An account: a duration past the role-chaining cap is refused inline, then 15m works.
    tab(page, "Accounts").click()
    page.get_by_role("link", name="Add account").first.click()
    page.get_by_label("Name", exact=True).fill("read-only")
    page.get_by_label("Target Role ARN").fill(target_arn)
    page.get_by_label("Session duration").fill("2h")
    page.get_by_role("button", name="Add account").click()
    expect(page.locator("#account-form .errorlist")).to_contain_text("role chaining")
    shot(page, "07-account-error")
    page.get_by_label("Session duration").fill("15m")
    page.get_by_role("button", name="Add account").click()
    expect(page.get_by_role("heading", name="Accounts")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("^15 minutes"))).to_be_visible()
    shot(page, "08-accounts")

    # Access: a POST that opens the console, here the federation stand-in, in a new tab.
    with page.context.expect_page() as new_tab:
        page.get_by_role("button", name=re.compile(r"^Access")).click()
    console = new_tab.value
    console.wait_for_load_state()
    expect(console.get_by_test_id("assumed-role-arn")).to_have_text(
        f"arn:aws:sts::123456789012:assumed-role/ReadOnly/{admin.email}"
    )
    assert "/sandbox/federation" in console.url
    shot(console, "09-console-stand-in")
    console.close()
    session = AccessSession.objects.get()
    assert session.status == AccessSession.Status.ACTIVE

    # Audit: filter, open the session, export what the filter shows.
    tab(page, "Sessions").click()
    page.get_by_label("User email").fill("alice")
    page.get_by_label("Status").select_option("active")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"user=alice"))
    row = page.locator("#results tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("read-only")
    shot(page, "10-sessions")
    row.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name=re.compile("alice@example.com"))).to_be_visible()
    expect(page.locator("#cloudtrail-command")).to_contain_text(
        "AttributeKey=Username,AttributeValue=alice@example.com"
    )
    shot(page, "11-session-detail")

    # Someone else's session in the same project: the export must leave it out.
    AccessSessionFactory(account=session.account, user_email="bob@example.com")
    tab(page, "Sessions").click()
    expect(page.locator("#results tbody tr")).to_have_count(2)
    page.get_by_label("User email").fill("alice")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#results tbody tr")).to_have_count(1)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    path = download_info.value.path()
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["session_id"] for r in rows] == [str(session.pk)]
    assert rows[0]["assumed_role_arn"] == session.assumed_role_arn

    tab(page, "Members").click()
    expect(page.get_by_role("heading", name="Members")).to_be_visible()
    shot(page, "12-members")

    page.set_viewport_size({"width": 390, "height": 844})
    tab(page, "Accounts").click()
    expect(page.get_by_role("button", name=re.compile(r"^Access"))).to_be_visible()
    shot(page, "15-accounts-phone")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login/"))
    assert_no_script_or_csp_errors(page)


def test_status_badge_follows_validation_without_a_reload(site, page, shot):
    member = UserFactory(username="bob", email="bob@example.com")
    project = MembershipFactory(user=member, role=Membership.Role.MEMBER).project
    resource = ResourceFactory(project=project, name="pending-one")
    sign_in(page, site.url, member)

    page.goto(f"{site.url}/projects/{project.slug}/resources/")
    badge = page.locator(f"#resource-{resource.pk}-status [data-status]")
    expect(badge).to_have_attribute("data-status", "pending")
    Resource.objects.filter(pk=resource.pk).update(
        validation_status="invalid",
        validation_code="AccessDenied",
        validation_hint="The Resource Role does not trust the platform account.",
    )
    expect(badge).to_have_attribute("data-status", "invalid", timeout=8_000)
    expect(page.locator(f"#resource-{resource.pk}-status")).to_contain_text(
        "does not trust the platform"
    )
    # A final state carries no polling trigger, so the browser stops asking.
    expect(page.locator(f"#resource-{resource.pk}-status")).not_to_have_attribute(
        "hx-trigger", re.compile(".*")
    )
    shot(page, "13-resource-invalid")
    assert_no_script_or_csp_errors(page)


def test_auditor_sees_sessions_but_no_access_button(site, page, shot):
    auditor = UserFactory(username="carol", email="carol@example.com")
    project = MembershipFactory(user=auditor, role=Membership.Role.AUDITOR).project
    ResourceFactory(project=project)
    sign_in(page, site.url, auditor)

    page.goto(f"{site.url}/projects/{project.slug}/accounts/")
    expect(tab(page, "Sessions")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Access"))).to_have_count(0)
    expect(tab(page, "Members")).to_have_count(0)
    shot(page, "14-auditor-accounts")
