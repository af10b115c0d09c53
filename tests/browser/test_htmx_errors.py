"""A refused HTMX request says so on the page instead of silently doing nothing."""

import pytest
from playwright.sync_api import expect

from resources.models import Membership
from tests.browser.test_console_flow import PASSWORD, sign_in
from tests.factories import MembershipFactory, ResourceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_form_refused_mid_edit_shows_why(site, page, shot):
    admin = UserFactory(username="dora", email="dora@example.com", password=PASSWORD)
    membership = MembershipFactory(user=admin, role=Membership.Role.ADMIN)
    project = membership.project
    ResourceFactory(project=project, name="prod")
    sign_in(page, site.url, admin)
    page.goto(f"{site.url}/projects/{project.slug}/accounts/new/")
    page.get_by_label("Name").fill("read-only")
    page.get_by_label("Target Role ARN").fill("arn:aws:iam::123456789012:role/ReadOnly")
    page.get_by_label("Session duration").fill("15m")

    # Another admin demotes this one while the form is open.
    Membership.objects.filter(pk=membership.pk).update(role=Membership.Role.MEMBER)
    page.get_by_role("button", name="Add account").click()

    notice = page.locator("#htmx-error")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("not allowed")
    shot(page, "16-htmx-refused")
