"""An admin takes one live console session back in chromium: from the Sessions list to the
session page, a reason, and the deny policy lands on exactly that target role in AWS (moto);
the person sees it on My sessions."""

import json
import re

import boto3
import pytest
from playwright.sync_api import expect

from resources.models import Membership
from sessions_audit.models import AccessSession
from tests.browser.conftest import assert_no_script_or_csp_errors, create_roles
from tests.browser.test_small_screens import sign_in_as
from tests.factories import AccountFactory, MembershipFactory, ResourceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_revokes_a_live_session(site, moto_server, chromium, shot):
    admin = UserFactory(username="ada", email="ada@example.com")
    project = MembershipFactory(user=admin, role=Membership.Role.ADMIN).project
    member = MembershipFactory(
        project=project, role=Membership.Role.MEMBER, user=UserFactory(username="max")
    ).user
    bridge_arn, target_arn = create_roles(moto_server, external_id=project.external_id)
    resource = ResourceFactory(
        project=project,
        resource_role_arn=bridge_arn,
        validation_status="valid",
        revocation_enabled=True,
    )
    AccountFactory(
        resource=resource, name="ReadOnly", target_role_arn=target_arn, validation_status="valid"
    )

    # The member opens the console.
    member_page = chromium.new_context().new_page()
    sign_in_as(member_page, site.url, member)
    member_page.goto(f"{site.url}/projects/{project.slug}/accounts/")
    with member_page.context.expect_page() as new_tab:
        member_page.get_by_role("button", name=re.compile(r"^Access")).click()
    new_tab.value.wait_for_load_state()
    session = AccessSession.objects.get()

    # The admin takes it back.
    page = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    sign_in_as(page, site.url, admin)
    page.goto(f"{site.url}/projects/{project.slug}/sessions/")
    page.get_by_role("link", name=re.compile(r"^Revoke")).click()
    expect(page.get_by_role("heading", name="Revoke this session")).to_be_visible()
    page.get_by_label("Why").fill("Laptop left unlocked in the office")
    shot(page, "revoke-form")
    page.get_by_role("button", name="Revoke the session").click()
    expect(page.locator(".messages")).to_contain_text("Session revoked (1 session)")
    expect(page.get_by_test_id("revoked")).to_contain_text(
        "by ada@example.com: Laptop left unlocked in the office"
    )
    shot(page, "revoke-done")

    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=moto_server)
    assert iam.list_role_policies(RoleName="ReadOnly")["PolicyNames"] == [f"PamRevoke-{session.pk}"]
    document = iam.get_role_policy(RoleName="ReadOnly", PolicyName=f"PamRevoke-{session.pk}")[
        "PolicyDocument"
    ]
    document = json.loads(document) if isinstance(document, str) else document
    assert document["Statement"][0]["Condition"]["StringEquals"] == {
        "aws:userid": session.assumed_role_id
    }
    assert iam.list_role_policies(RoleName="PamBridge")["PolicyNames"] == []

    member_page.goto(f"{site.url}/me/sessions/")
    expect(member_page.get_by_test_id(f"revoked-{session.pk}")).to_contain_text(
        "by ada@example.com: Laptop left unlocked in the office"
    )
    assert_no_script_or_csp_errors(page)
