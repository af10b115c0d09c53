"""Single sign-on in a real browser: through the local identity provider's own page, into the
project the person's group maps to, and Access opens the console as them."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Account
from resources.models import GroupRule, Resource
from sessions_audit.models import AccessSession
from tests.browser.conftest import assert_no_script_or_csp_errors, create_roles
from tests.factories import ProjectFactory
from tests.identity.fixtures import PROVIDER_NAME

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_signs_in_with_sso_lands_by_group_and_opens_the_console(
    site, moto_server, provider, page, shot
):
    project = ProjectFactory(name="Payments", slug="payments")
    bridge_arn, target_arn = create_roles(moto_server, external_id=project.external_id)
    resource = Resource.objects.create(
        project=project,
        name="payments-prod",
        resource_role_arn=bridge_arn,
        validation_status="valid",
    )
    Account.objects.create(
        resource=resource,
        name="read-only",
        target_role_arn=target_arn,
        session_duration=900,
        validation_status="valid",
    )
    GroupRule.objects.create(project=project, group="aws-payments-dev", role="member")
    provider.set_user(
        "nina-42", email="nina@corp.example", email_verified=True, groups=["aws-payments-dev"]
    )

    page.goto(f"{site.url}/")
    expect(page).to_have_url(re.compile(r"/login/"))
    shot(page, "20-sign-in-with-sso")
    page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}").click()
    # The identity provider's own page.
    expect(page).to_have_url(re.compile(re.escape(provider.issuer)))
    page.get_by_placeholder("sub").fill("nina-42")
    page.get_by_role("button", name="Authorize").click()

    # Back here, in the project the group maps to, on a member's tab.
    expect(page).to_have_url(re.compile(r"/projects/payments/accounts/$"))
    expect(page.get_by_text("You are member in Payments")).to_be_visible()
    shot(page, "21-sso-landed-by-group")

    with page.context.expect_page() as new_tab:
        page.get_by_role("button", name=re.compile(r"^Access")).click()
    console = new_tab.value
    console.wait_for_load_state()
    expect(console.get_by_test_id("assumed-role-arn")).to_have_text(
        "arn:aws:sts::123456789012:assumed-role/ReadOnly/nina@corp.example"
    )
    console.close()
    session = AccessSession.objects.get()
    assert (session.user.email, session.status) == ("nina@corp.example", "active")
    assert_no_script_or_csp_errors(page)
