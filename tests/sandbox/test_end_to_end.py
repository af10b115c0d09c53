"""One click through the sandbox: sign in, Access, land on the sandbox console as the role.

Everything is real HTTP except the browser: moto serves AWS, the live server serves the
federation stand-in the Access service calls, and the test client follows the redirect.
"""

import pytest
from django.urls import reverse

from accounts.models import Account
from sandbox.services import PROJECT_SLUG, RESOURCE_NAME
from sessions_audit.models import AccessSession
from tests.sandbox.conftest import MEMBER_PASSWORD

pytestmark = pytest.mark.urls("tests.sandbox.urls")


def test_access_lands_on_the_sandbox_console_as_the_target_role(sandbox_site, client):
    assert client.login(username="member", password=MEMBER_PASSWORD)
    account = Account.objects.get(
        resource__project__slug=PROJECT_SLUG, resource__name=RESOURCE_NAME, name="ReadOnly"
    )

    response = client.post(
        reverse("accounts:access", kwargs={"slug": PROJECT_SLUG, "pk": account.pk})
    )
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"{sandbox_site}/sandbox/federation?Action=login&")

    console = client.get(location)
    page = console.content.decode()
    assert console.status_code == 200
    assert "Sandbox console" in page
    assert (
        "arn:aws:sts::123456789012:assumed-role/PamSandboxReadOnly/member@sandbox.example" in page
    )
    session = AccessSession.objects.get()
    assert session.status == AccessSession.Status.ACTIVE
    assert session.expires_at.strftime("%Y-%m-%d %H:%M:%S") in page


@pytest.mark.parametrize(
    ("resource", "partition", "console_host"),
    [
        ("Sandbox GovCloud account", "aws-us-gov", "console.amazonaws-us-gov.com"),
        ("Sandbox China account", "aws-cn", "console.amazonaws.cn"),
    ],
)
def test_govcloud_and_china_accounts_open_the_sandbox_console(
    sandbox_site, client, resource, partition, console_host
):
    """Each partition has its own IAM: the platform signs in there with that partition's
    identity (PAM_PLATFORM_PROFILES), and the login lands on that partition's console."""
    assert client.login(username="member", password=MEMBER_PASSWORD)
    account = Account.objects.get(resource__name=resource, name="ReadOnly")
    response = client.post(
        reverse("accounts:access", kwargs={"slug": PROJECT_SLUG, "pk": account.pk})
    )
    assert response.status_code == 302, response.content.decode()[:800]
    console = client.get(response["Location"])
    page = console.content.decode()
    assert console.status_code == 200
    assert (
        f"arn:{partition}:sts::123456789012:assumed-role/PamSandboxReadOnly/member@sandbox.example"
        in page
    )
    assert f"https://{console_host}/console/home" in page
    assert AccessSession.objects.get().status == AccessSession.Status.ACTIVE


def test_the_broken_example_fails_with_awss_code(sandbox_site, client):
    assert client.login(username="member", password=MEMBER_PASSWORD)
    account = Account.objects.get(resource__name="Sandbox with a broken trust")
    response = client.post(
        reverse("accounts:access", kwargs={"slug": PROJECT_SLUG, "pk": account.pk})
    )
    assert response.status_code == 502
    assert b"AccessDenied" in response.content
    session = AccessSession.objects.get()
    assert (session.status, session.failure_code) == ("failed", "AccessDenied")


def test_a_revoked_session_reads_revoked_on_the_sandbox_console(sandbox_site, client):
    """The newcomer's journey: open the console, an admin revokes it, the sandbox console
    (reading the role's inline policies from moto) says it is revoked."""
    from django.contrib.auth import get_user_model

    from accounts.revocation import session_revoke

    assert client.login(username="member", password=MEMBER_PASSWORD)
    account = Account.objects.get(
        resource__project__slug=PROJECT_SLUG, resource__name=RESOURCE_NAME, name="ReadOnly"
    )
    client.post(reverse("accounts:access", kwargs={"slug": PROJECT_SLUG, "pk": account.pk}))
    session = AccessSession.objects.get()
    assert session.tagged and session.source_identity == "member@sandbox.example"
    check = reverse("sandbox:console_session", args=[session.pk])
    assert "<strong>Working</strong>" in client.get(check).content.decode()

    admin = get_user_model().objects.get(username="admin")
    outcome = session_revoke(actor=admin, session=session, reason="Demo")
    assert outcome.ok, outcome.error
    page = client.get(check).content.decode()
    assert f"<strong>Revoked</strong>: PamRevoke-{session.pk} on the role" in page
    assert "simulation of what AWS would do" in page
