"""The Access view: POST only, CSRF, who may click, and what each outcome looks like."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from accounts import access
from pamsite.aws.errors import AwsError, Fault
from resources.models import Membership
from sessions_audit.models import AccessSession
from tests.aws.fixtures import SIGNIN_URL
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _url(world, account=None) -> str:
    account = account or world.account
    return reverse(
        "accounts:access",
        kwargs={"slug": account.resource.project.slug, "pk": account.pk},
    )


@pytest.fixture
def no_aws(monkeypatch):
    """Any AWS step fails the test: refusals must not reach AWS."""

    def forbidden(*args, **kwargs):
        raise AssertionError("AWS was called")

    monkeypatch.setattr(access, "chain", forbidden)
    monkeypatch.setattr(access, "get_signin_token", forbidden)


def test_member_is_redirected_to_the_console(client, access_world):
    client.force_login(access_world.member)

    response = client.post(_url(access_world))

    assert response.status_code == 302
    assert response["Location"].startswith(SIGNIN_URL + "?Action=login")


def test_redirect_is_not_cached(client, access_world):
    client.force_login(access_world.member)

    response = client.post(_url(access_world))

    assert "no-store" in response["Cache-Control"]


def test_source_ip_is_remote_addr(client, access_world):
    client.force_login(access_world.member)

    client.post(_url(access_world), REMOTE_ADDR="198.51.100.4", HTTP_USER_AGENT="Firefox/130")

    session = AccessSession.objects.get()
    assert (session.source_ip, session.user_agent) == ("198.51.100.4", "Firefox/130")


def test_get_is_refused_and_opens_nothing(client, access_world, no_aws):
    client.force_login(access_world.member)

    response = client.get(_url(access_world))

    assert (response.status_code, AccessSession.objects.count()) == (405, 0)


def test_post_without_csrf_token_is_refused(access_world, no_aws):
    client = Client(enforce_csrf_checks=True)
    client.force_login(access_world.member)

    response = client.post(_url(access_world))

    assert (response.status_code, AccessSession.objects.count()) == (403, 0)


def test_anonymous_is_sent_to_sign_in(client, access_world, no_aws):
    response = client.post(_url(access_world))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert AccessSession.objects.count() == 0


def test_anonymous_returns_to_the_accounts_page_after_sign_in(client, access_world, no_aws):
    # `next` must not be the Access URL: after sign-in it would come back as a GET (405).
    response = client.post(_url(access_world))

    slug = access_world.account.resource.project.slug
    expected = reverse("accounts:list", kwargs={"slug": slug})
    location = urlsplit(response["Location"])
    assert (location.path, parse_qs(location.query)) == (reverse("login"), {"next": [expected]})


def test_non_member_gets_404(client, access_world, no_aws):
    client.force_login(UserFactory())

    response = client.post(_url(access_world))

    assert (response.status_code, AccessSession.objects.count()) == (404, 0)


def test_auditor_gets_403_page(client, access_world, no_aws):
    auditor = MembershipFactory(project=access_world.project, role=Membership.Role.AUDITOR).user
    client.force_login(auditor)

    response = client.post(_url(access_world))

    assert response.status_code == 403
    assert b"Auditors can review sessions" in response.content
    assert AccessSession.objects.count() == 0


def test_member_of_another_project_gets_404(client, access_world, no_aws):
    outsider = MembershipFactory(role=Membership.Role.ADMIN)
    client.force_login(outsider.user)

    response = client.post(_url(access_world))

    assert (response.status_code, AccessSession.objects.count()) == (404, 0)


def test_account_under_another_projects_slug_gets_404(client, access_world, no_aws):
    own = MembershipFactory(role=Membership.Role.ADMIN)
    client.force_login(own.user)
    url = reverse(
        "accounts:access", kwargs={"slug": own.project.slug, "pk": access_world.account.pk}
    )

    response = client.post(url)

    assert (response.status_code, AccessSession.objects.count()) == (404, 0)


def test_aws_refusal_shows_the_code_and_hint_with_502(client, access_world):
    # A role whose trust policy does not name the platform.
    access_world.resource.resource_role_arn = "arn:aws:iam::123456789012:role/ReadOnly"
    access_world.resource.save()
    client.force_login(access_world.member)

    response = client.post(_url(access_world))

    assert response.status_code == 502
    assert b"AccessDenied" in response.content
    assert b"trust policy" in response.content


def test_federation_outage_is_a_502_page(client, access_world):
    access_world.federation.respond(status_code=500)
    client.force_login(access_world.member)

    response = client.post(_url(access_world))

    assert response.status_code == 502
    assert b"FederationUnavailable" in response.content


def test_federation_timeout_is_a_504_page(client, access_world):
    import httpx

    access_world.federation.mock(side_effect=httpx.ReadTimeout("timed out"))
    client.force_login(access_world.member)

    response = client.post(_url(access_world))

    assert response.status_code == 504


def test_unexpected_error_is_a_page_not_a_500(client, access_world, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("SigninToken")

    monkeypatch.setattr(access, "get_signin_token", broken)
    client.force_login(access_world.member)

    response = client.post(_url(access_world))

    assert response.status_code == 502
    assert b"InternalError" in response.content


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (AwsError("Throttling", "AWS throttled.", retryable=True, fault=Fault.THROTTLED), 503),
        (AwsError("Timeout", "STS timed out.", retryable=True, fault=Fault.TIMEOUT), 504),
        (AwsError("AccessDenied", "Trust policy."), 502),
        (AwsError("NoCredentials", "No keys.", fault=Fault.PLATFORM), 502),
        (access.AccessError(access.RATE_LIMITED, "Slow down.", retryable=True), 429),
        (access.AccessError(access.INTERNAL_ERROR, "A bug."), 502),
    ],
)
def test_the_view_maps_each_kind_of_failure_to_its_status(
    client, access_world, monkeypatch, error, status
):
    def fail(**kwargs):
        raise error

    monkeypatch.setattr(access, "open_console", fail)
    client.force_login(access_world.member)

    response = client.post(_url(access_world))

    assert response.status_code == status
    assert error.code.encode() in response.content
    assert AccessSession.objects.get().failure_code == error.code
