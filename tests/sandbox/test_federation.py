"""The sandbox's stand-in for the AWS federation endpoint."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from urllib.parse import urlencode

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import timezone

from sandbox.services import sandbox_seed
from sandbox.views import _cache_key
from tests.factories import AccessSessionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.sandbox.urls")]

URL = "/sandbox/federation"
ROLE_ARN = "arn:aws:iam::123456789012:role/PamSandboxReadOnly"
BRIDGE_ARN = "arn:aws:iam::123456789012:role/PamSandboxResourceRole"


@pytest.fixture
def role_session(sandbox_aws):
    """Temporary role credentials from moto, as hop 2 of the chain hands them over (moto
    enforces IAM: the seed's roles, both hops, the project's External ID)."""
    external_id = sandbox_seed(endpoint_url=sandbox_aws).project.external_id
    sts = boto3.client(
        "sts",
        region_name="us-east-1",
        endpoint_url=sandbox_aws,
        aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
    )
    bridge = sts.assume_role(
        RoleArn=BRIDGE_ARN, RoleSessionName="pam-platform", ExternalId=external_id
    )["Credentials"]
    hop2 = boto3.client(
        "sts",
        region_name="us-east-1",
        endpoint_url=sandbox_aws,
        aws_access_key_id=bridge["AccessKeyId"],
        aws_secret_access_key=bridge["SecretAccessKey"],
        aws_session_token=bridge["SessionToken"],
    )
    return hop2.assume_role(
        RoleArn=ROLE_ARN, RoleSessionName="member@sandbox.example", ExternalId=external_id
    )


def session_json(response) -> str:
    creds = response["Credentials"]
    return json.dumps(
        {
            "sessionId": creds["AccessKeyId"],
            "sessionKey": creds["SecretAccessKey"],
            "sessionToken": creds["SessionToken"],
        }
    )


def signin_token(client, role_session) -> str:
    response = client.post(URL, {"Action": "getSigninToken", "Session": session_json(role_session)})
    assert response.status_code == 200, response.content
    return response.json()["SigninToken"]


def login(client, token: str, **extra):
    query = {
        "Action": "login",
        "Issuer": "http://127.0.0.1:8000/",
        "Destination": "https://console.aws.amazon.com/console/home",
        "SigninToken": token,
        **extra,
    }
    return client.get(f"{URL}?{urlencode(query)}")


def test_get_signin_token_returns_a_token_for_role_credentials(client, role_session):
    response = client.post(URL, {"Action": "getSigninToken", "Session": session_json(role_session)})
    assert response.status_code == 200
    assert len(response.json()["SigninToken"]) >= 32


def test_get_signin_token_also_answers_a_get(client, role_session):
    query = urlencode({"Action": "getSigninToken", "Session": session_json(role_session)})
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200
    assert response.json()["SigninToken"]


def test_the_token_keeps_the_identity_and_never_the_credentials(client, role_session):
    token = signin_token(client, role_session)
    kept = json.dumps(cache.get(_cache_key(token)))
    creds = role_session["Credentials"]
    assert role_session["AssumedRoleUser"]["Arn"] in kept
    assert creds["SecretAccessKey"] not in kept
    assert creds["SessionToken"] not in kept
    assert creds["AccessKeyId"] not in kept


def test_credentials_moto_does_not_know_are_refused(client, sandbox_aws):
    session = json.dumps(
        {"sessionId": "AKIAUNKNOWNKEY000000", "sessionKey": "x" * 40, "sessionToken": "y" * 40}
    )
    response = client.post(URL, {"Action": "getSigninToken", "Session": session})
    # moto enforces IAM in the sandbox: keys it never issued are refused, as AWS does.
    assert response.status_code == 403
    assert "InvalidClientTokenId" in response.json()["Error"]
    assert "SigninToken" not in response.json()


def test_a_session_without_the_token_is_refused(client, role_session):
    session = json.loads(session_json(role_session))
    del session["sessionToken"]
    response = client.post(URL, {"Action": "getSigninToken", "Session": json.dumps(session)})
    assert response.status_code == 400


def test_a_session_that_is_not_json_is_refused(client, sandbox_aws):
    response = client.post(URL, {"Action": "getSigninToken", "Session": "not json"})
    assert response.status_code == 400


def test_session_duration_is_refused_like_aws_does_for_chained_credentials(client, role_session):
    response = client.post(
        URL,
        {
            "Action": "getSigninToken",
            "Session": session_json(role_session),
            "SessionDuration": "3600",
        },
    )
    assert response.status_code == 400


def test_login_shows_the_sandbox_console_with_the_assumed_role(client, role_session):
    response = login(client, signin_token(client, role_session))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Sandbox console" in page
    assert "SIMULATED" in page
    assert (
        "arn:aws:sts::123456789012:assumed-role/PamSandboxReadOnly/member@sandbox.example" in page
    )


def test_login_shows_role_session_name_destination_and_issuer(client, role_session):
    page = login(client, signin_token(client, role_session)).content.decode()
    assert 'data-testid="role-session-name">member@sandbox.example<' in page
    assert "https://console.aws.amazon.com/console/home" in page
    assert 'href="http://127.0.0.1:8000/"' in page


def test_login_shows_the_expiry_of_the_recorded_session(client, role_session):
    expires_at = timezone.now() + timedelta(minutes=42)
    AccessSessionFactory(
        assumed_role_arn=role_session["AssumedRoleUser"]["Arn"],
        assumed_role_id=role_session["AssumedRoleUser"]["AssumedRoleId"],
        expires_at=expires_at,
    )
    page = login(client, signin_token(client, role_session)).content.decode()
    assert expires_at.strftime("%Y-%m-%d %H:%M:%S") in page


def test_an_issuer_that_is_not_a_web_address_is_not_linked(client, role_session):
    page = login(
        client, signin_token(client, role_session), Issuer="javascript:alert(1)"
    ).content.decode()
    assert 'href="javascript:' not in page


def test_a_token_works_once(client, role_session):
    token = signin_token(client, role_session)
    login(client, token)
    response = login(client, token)
    assert response.status_code == 400
    assert "invalid, expired or already used" in response.content.decode()


def test_an_unknown_token_shows_a_clear_error(client, sandbox_aws):
    response = login(client, "not-a-token")
    assert response.status_code == 400
    assert "sign-in refused" in response.content.decode()


def test_an_expired_token_shows_a_clear_error(client, role_session):
    token = signin_token(client, role_session)
    cache.delete(_cache_key(token))  # what the cache does after TOKEN_TTL
    assert login(client, token).status_code == 400


def test_an_unknown_action_is_refused(client, sandbox_aws):
    assert client.get(f"{URL}?Action=logout").status_code == 400


def test_pam_sandbox_with_debug_off_refuses_to_load_settings():
    env = {"PATH": "/usr/bin:/bin", "DJANGO_DEBUG": "false", "PAM_SANDBOX": "true",
           "DJANGO_SECRET_KEY": "x" * 50, "DJANGO_SETTINGS_MODULE": "pamsite.settings"}  # fmt: skip
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "PAM_SANDBOX simulates AWS and needs DEBUG on" in done.stderr


def test_the_sandbox_console_carries_the_sandbox_banner(client, role_session):
    page = login(client, signin_token(client, role_session)).content.decode()
    assert "Sandbox: AWS is simulated on this machine" in page


def test_the_error_page_carries_the_sandbox_banner(client, sandbox_aws):
    page = login(client, "not-a-token").content.decode()
    assert "Sandbox: AWS is simulated on this machine" in page


def test_sign_out_first_goes_on_to_the_login_and_the_console_says_so(client, role_session):
    token = signin_token(client, role_session)
    login_url = (
        "http://testserver"
        + URL
        + "?"
        + urlencode({"Action": "login", "Issuer": "http://127.0.0.1:8000/", "SigninToken": token})
    )
    response = client.get(
        "/sandbox/oauth?" + urlencode({"Action": "logout", "redirect_uri": login_url})
    )
    assert response.status_code == 302 and response["Location"] == login_url
    console = client.get(login_url)
    assert b"Signed out of the previous console first" in console.content
    assert b"Signed out of the previous console first" not in client.get(login_url).content


@pytest.mark.parametrize(
    "query",
    [
        {"Action": "logout", "redirect_uri": "https://evil.example/?x=/sandbox/federation"},
        {"Action": "logout"},
        {"Action": "login", "redirect_uri": "http://testserver/sandbox/federation?Action=login"},
    ],
)
def test_sign_out_goes_nowhere_else(client, sandbox_aws, query):
    response = client.get("/sandbox/oauth?" + urlencode(query))
    assert response.status_code == 400
