"""One click through the sandbox: sign in, Access, land on the sandbox console as the role.

Everything is real HTTP except the browser: moto serves AWS, the live server serves the
federation stand-in the Access service calls, and the test client follows the redirect.
"""

import pytest
from django.urls import reverse

from accounts.models import Account
from sandbox.services import PROJECT_SLUG, sandbox_seed
from sessions_audit.models import AccessSession

pytestmark = pytest.mark.urls("tests.sandbox.urls")

MEMBER_PASSWORD = "member-demo-password"


@pytest.fixture
def sandbox_site(transactional_db, sandbox_aws, live_server, settings):
    settings.PAM_FEDERATION_ENDPOINT = f"{live_server.url}/sandbox/federation"
    settings.PAM_ISSUER_URL = f"{live_server.url}/"
    sandbox_seed(endpoint_url=sandbox_aws, passwords={"member": MEMBER_PASSWORD})
    return live_server.url


def test_access_lands_on_the_sandbox_console_as_the_target_role(sandbox_site, client):
    assert client.login(username="member", password=MEMBER_PASSWORD)
    account = Account.objects.get(resource__project__slug=PROJECT_SLUG, name="ReadOnly")

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
