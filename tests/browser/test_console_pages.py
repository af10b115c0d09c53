"""Where Access lands, in chromium: a page chosen from the Account's list in the Account's
region (the regional sign-in host and the Destination in the login URL), the sign-out wrapper
for switching AWS accounts, and how long the console will last, before and after the click."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import respx
from playwright.sync_api import expect

from resources.models import Membership
from sessions_audit.models import AccessSession
from tests.browser.conftest import assert_no_script_or_csp_errors, create_roles
from tests.browser.test_small_screens import sign_in_as
from tests.factories import AccountFactory, MembershipFactory, ResourceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REGIONAL_SIGNIN = "https://eu-west-1.signin.aws.amazon.com/federation"


def _world(moto_server, **account_fields):
    member = UserFactory(username="maria", email="maria@example.com")
    project = MembershipFactory(user=member, role=Membership.Role.MEMBER).project
    bridge_arn, target_arn = create_roles(moto_server, external_id=project.external_id)
    resource = ResourceFactory(
        project=project, resource_role_arn=bridge_arn, validation_status="valid"
    )
    account = AccountFactory(
        resource=resource,
        name="ReadOnly",
        target_role_arn=target_arn,
        session_duration=1800,
        validation_status="valid",
        **account_fields,
    )
    return member, project, account


def test_a_chosen_page_opens_in_the_accounts_region(site, moto_server, page, settings, shot):
    # The real sign-in host this time (no stand-in): the server's getSigninToken call to it is
    # answered by respx; the browser's visit to the login URL is recorded (it goes no further:
    # this machine has no way out, and Playwright does not route a redirect's target).
    settings.PAM_FEDERATION_ENDPOINT = ""
    member, project, account = _world(
        moto_server,
        console_region="eu-west-1",
        destination="/s3/home",
        destinations="CloudWatch | /cloudwatch/home#dashboards",
    )
    visited = []
    page.context.on(
        "request",
        lambda request: (
            visited.append(request.url)
            if request.url.startswith("https://eu-west-1.signin.aws.amazon.com/")
            else None
        ),
    )
    sign_in_as(page, site.url, member)
    with respx.mock(assert_all_called=False) as mock:
        token = mock.post(REGIONAL_SIGNIN).respond(json={"SigninToken": "token-from-aws"})
        page.goto(f"{site.url}/projects/{project.slug}/accounts/")
        page.get_by_label("Console page of ReadOnly").select_option(label="CloudWatch")
        shot(page, "accounts-page-choice")
        with page.context.expect_page() as new_tab:
            page.get_by_role("button", name=re.compile(r"^Access")).click()
        for _ in range(100):  # until the browser has asked for the login URL
            if visited:
                break
            new_tab.value.wait_for_timeout(100)
    assert token.call_count == 1
    login = urlsplit(visited[0])
    assert f"{login.scheme}://{login.netloc}{login.path}" == REGIONAL_SIGNIN
    query = {key: values[0] for key, values in parse_qs(login.query).items()}
    assert query["Action"] == "login" and query["SigninToken"] == "token-from-aws"
    assert query["Destination"] == (
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards"
    )
    assert AccessSession.objects.get().status == AccessSession.Status.ACTIVE
    assert_no_script_or_csp_errors(page)


def test_signing_out_of_the_previous_console_first_and_the_duration(site, moto_server, page, shot):
    member, project, account = _world(moto_server)
    sign_in_as(page, site.url, member)
    page.goto(f"{site.url}/projects/{project.slug}/accounts/")

    # Before the click: how long, and why.
    row = page.locator("tbody tr", has_text="ReadOnly")
    expect(row).to_contain_text("30 minutes")
    expect(row).to_contain_text("the account's session duration")
    expect(row.locator("span[title]")).to_have_attribute(
        "title", "The console will last 30 minutes: the account's session duration."
    )

    # The preference, remembered by the app.
    page.get_by_label("Sign out of the AWS console I am in first").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text(
        "Access now signs you out of the AWS console you are in first."
    )
    expect(page.get_by_label("Sign out of the AWS console I am in first")).to_be_checked()
    shot(page, "accounts-sign-out-first")

    went = []
    page.context.on("request", lambda request: went.append(request.url))
    with page.context.expect_page() as new_tab:
        page.get_by_role("button", name=re.compile(r"^Access")).click()
    console = new_tab.value
    console.wait_for_load_state()
    expect(console.get_by_test_id("signed-out-first")).to_be_visible()
    expect(console.get_by_test_id("assumed-role-arn")).to_contain_text("maria@example.com")
    shot(console, "console-signed-out-first")
    sign_out = [url for url in went if "/sandbox/oauth?" in url]
    assert len(sign_out) == 1
    wrapped = parse_qs(urlsplit(sign_out[0]).query)
    assert wrapped["Action"] == ["logout"]
    assert wrapped["redirect_uri"][0].startswith(f"{site.url}/sandbox/federation?Action=login")
    console.close()

    # After the click: the session page says it again.
    session = AccessSession.objects.get()
    page.goto(f"{site.url}/projects/{project.slug}/accounts/")  # a member's own project
    MembershipFactory(project=project, user=UserFactory(username="audra"), role="auditor")
    auditor_page = page.context.new_page()
    sign_in_as(auditor_page, site.url, Membership.objects.get(user__username="audra").user)
    auditor_page.goto(f"{site.url}/projects/{project.slug}/sessions/{session.pk}/")
    expect(auditor_page.get_by_test_id("lifetime")).to_have_text(
        "30 minutes from the click: the account's session duration. AWS ends the console then."
    )
    assert_no_script_or_csp_errors(page)
