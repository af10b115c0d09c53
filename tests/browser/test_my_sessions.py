"""My sessions in chromium: a live session's time left ticks down in the page itself."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_small_screens import sign_in_as
from tests.factories import AccessSessionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_countdown_ticks_without_asking_the_server(site, page, shot):
    user = UserFactory(username="lee", email="lee@example.com")
    session = AccessSessionFactory(
        user=user, expires_at=timezone.now() + timezone.timedelta(minutes=20)
    )
    sign_in_as(page, site.url, user)
    page.goto(f"{site.url}/me/sessions/")
    cell = page.get_by_test_id(f"left-{session.pk}")
    expect(cell).to_have_text(re.compile(r"^(19|20):\d\d left$"))
    first = cell.inner_text()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.wait_for_timeout(2200)
    assert cell.inner_text() != first
    assert requests == []  # no polling
    shot(page, "my-sessions")
