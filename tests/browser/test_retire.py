"""Retiring, in a browser with JavaScript off: the button asks on a page of its own, and the
retired account keeps its row, marked, without an Access button."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Account
from resources.models import Membership
from tests.browser.test_small_screens import sign_in_as
from tests.factories import AccountFactory, MembershipFactory, ResourceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_retires_an_account_without_javascript(site, chromium, shot):
    admin = UserFactory(username="erin", email="erin@example.com")
    project = MembershipFactory(user=admin, role=Membership.Role.ADMIN).project
    account = AccountFactory(resource=ResourceFactory(project=project), name="read-only")
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in_as(page, site.url, admin)
        page.goto(f"{site.url}/projects/{project.slug}/accounts/{account.pk}/edit/")

        page.get_by_role("button", name="Retire read-only…").click()
        expect(page.get_by_role("heading", name="Retire read-only?")).to_be_visible()
        assert Account.objects.get(pk=account.pk).retired_at is None
        shot(page, "17-retire-confirm")
        page.get_by_role("button", name="Retire read-only", exact=True).click()

        expect(page.get_by_role("heading", name=re.compile("read-only"))).to_contain_text("Retired")
        assert Account.objects.get(pk=account.pk).retired_at is not None
        page.get_by_role("link", name="Accounts", exact=True).first.click()
        row = page.get_by_role("row", name=re.compile("read-only"))
        expect(row).to_contain_text("Retired")
        expect(row.get_by_role("button", name=re.compile("^Access"))).to_have_count(0)
        # Copy buttons need the script: without it they stay hidden (the ARN can be selected).
        expect(row.get_by_role("button", name=re.compile("^Copy"))).to_be_hidden()
        shot(page, "18-accounts-retired")
    finally:
        context.close()
