"""The federation endpoint, stubbed at the HTTP layer with respx."""

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from pamsite.aws.chain import Credentials
from pamsite.aws.errors import HOP_FEDERATION, AwsError, Fault
from pamsite.aws.federation import federation_url, get_signin_token, login_url

URL = "https://signin.aws.amazon.com/federation"
CREDENTIALS = Credentials(
    access_key_id="ASIAEXAMPLEEXAMPLE01",
    secret_access_key="federation-secret-key",
    session_token="federation-session-token",
    expiration=datetime.now(UTC) + timedelta(hours=1),
)


@pytest.fixture
def endpoint():
    with respx.mock(assert_all_called=False) as mock:
        yield mock.post(URL)


def test_token_request_is_a_post_with_the_session_json_in_the_body(endpoint):
    endpoint.respond(json={"SigninToken": "token-123"})

    get_signin_token(CREDENTIALS, url=URL)

    request = endpoint.calls.last.request
    form = parse_qs(request.content.decode())
    assert request.method == "POST"
    assert form["Action"] == ["getSigninToken"]
    assert json.loads(form["Session"][0]) == {
        "sessionId": "ASIAEXAMPLEEXAMPLE01",
        "sessionKey": "federation-secret-key",
        "sessionToken": "federation-session-token",
    }


def test_token_request_sends_no_session_duration(endpoint):
    endpoint.respond(json={"SigninToken": "token-123"})

    get_signin_token(CREDENTIALS, url=URL)

    form = parse_qs(endpoint.calls.last.request.content.decode())
    assert "SessionDuration" not in form


def test_token_request_keeps_credentials_out_of_the_url(endpoint):
    endpoint.respond(json={"SigninToken": "token-123"})

    get_signin_token(CREDENTIALS, url=URL)

    assert str(endpoint.calls.last.request.url) == URL


def test_token_is_returned(endpoint):
    endpoint.respond(json={"SigninToken": "token-123"})

    assert get_signin_token(CREDENTIALS, url=URL) == "token-123"


@pytest.mark.parametrize(
    ("response", "code"),
    [
        (httpx.Response(500, text="Internal Failure"), "FederationUnavailable"),
        (httpx.Response(503, text="Service Unavailable"), "FederationUnavailable"),
        (httpx.Response(400, text="Invalid credentials parameter"), "FederationRejected"),
        (httpx.Response(200, text="<html>proxy login</html>"), "FederationInvalidResponse"),
        (httpx.Response(200, json={}), "FederationMissingToken"),
        (httpx.Response(200, json={"SigninToken": ""}), "FederationMissingToken"),
        (httpx.Response(200, json=["SigninToken"]), "FederationInvalidResponse"),
    ],
)
def test_endpoint_faults_become_federation_errors(endpoint, response, code):
    endpoint.mock(return_value=response)

    with pytest.raises(AwsError) as caught:
        get_signin_token(CREDENTIALS, url=URL)

    assert (caught.value.code, caught.value.hop) == (code, HOP_FEDERATION)


def test_timeout_is_retryable_and_a_timeout_fault(endpoint):
    endpoint.mock(side_effect=httpx.ReadTimeout("timed out"))

    with pytest.raises(AwsError) as caught:
        get_signin_token(CREDENTIALS, url=URL)

    assert (caught.value.code, caught.value.retryable, caught.value.fault) == (
        "FederationTimeout",
        True,
        Fault.TIMEOUT,
    )


def test_unreachable_endpoint_is_an_error(endpoint):
    endpoint.mock(side_effect=httpx.ConnectError("refused"))

    with pytest.raises(AwsError) as caught:
        get_signin_token(CREDENTIALS, url=URL)

    assert caught.value.code == "FederationUnreachable"


def test_federation_errors_never_carry_the_credentials(endpoint):
    endpoint.mock(return_value=httpx.Response(400, text="Invalid credentials parameter"))

    with pytest.raises(AwsError) as caught:
        get_signin_token(CREDENTIALS, url=URL)

    text = f"{caught.value} {caught.value.hint} {caught.value.message}"
    assert CREDENTIALS.secret_access_key not in text
    assert CREDENTIALS.session_token not in text


def _query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_login_url_has_issuer_destination_and_token():
    url = login_url(signin_token="token-123", url=URL, issuer="https://pam.example.com/",
                    partition="aws")  # fmt: skip

    assert url.startswith(URL + "?")
    assert _query(url) == {
        "Action": "login",
        "Issuer": "https://pam.example.com/",
        "Destination": "https://console.aws.amazon.com/console/home",
        "SigninToken": "token-123",
    }


def test_login_url_for_govcloud_goes_to_the_govcloud_console():
    url = login_url(
        signin_token="t",
        url=federation_url("aws-us-gov"),
        issuer="https://pam.example.com/",
        partition="aws-us-gov",
    )

    assert url.startswith("https://signin.amazonaws-us-gov.com/federation?")
    assert _query(url)["Destination"] == "https://console.amazonaws-us-gov.com/console/home"


def test_login_url_for_china_goes_to_the_china_console():
    url = login_url(
        signin_token="t", url=federation_url("aws-cn"), issuer="https://pam.example.com/",
        partition="aws-cn",
    )  # fmt: skip

    assert url.startswith("https://signin.amazonaws.cn/federation?")
    assert _query(url)["Destination"] == "https://console.amazonaws.cn/console/home"


def test_login_url_with_a_region_uses_the_regional_hosts():
    url = login_url(
        signin_token="t", url=federation_url("aws", "eu-west-1"),
        issuer="https://pam.example.com/", partition="aws", region="eu-west-1",
    )  # fmt: skip

    assert url.startswith("https://eu-west-1.signin.aws.amazon.com/federation?")
    assert _query(url)["Destination"] == (
        "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"
    )


def test_configured_endpoint_overrides_the_partition_host():
    assert federation_url("aws", "eu-west-1", "http://127.0.0.1:9000/federation") == (
        "http://127.0.0.1:9000/federation"
    )


def test_a_refusal_says_the_status_and_what_the_endpoint_answered(endpoint):
    endpoint.mock(return_value=httpx.Response(400, text="Invalid credentials\nparameter"))

    with pytest.raises(AwsError) as caught:
        get_signin_token(CREDENTIALS, url=URL)

    hint = caught.value.hint
    assert "HTTP 400" in hint and "It answered: Invalid credentials parameter" in hint
    # It states what we know: no SessionDuration was sent, so it does not blame one.
    assert "cannot be used with SessionDuration" not in hint


def test_a_refusal_that_echoes_secrets_never_shows_them(endpoint):
    echo = (
        f"Bad session {CREDENTIALS.secret_access_key} {CREDENTIALS.session_token} "
        f"{CREDENTIALS.access_key_id} sig=QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlq"
    )
    endpoint.mock(return_value=httpx.Response(403, text=echo))

    with pytest.raises(AwsError) as caught:
        get_signin_token(CREDENTIALS, url=URL)

    hint = caught.value.hint
    for secret in (CREDENTIALS.secret_access_key, CREDENTIALS.session_token,
                   CREDENTIALS.access_key_id, "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVph"):  # fmt: skip
        assert secret not in hint
    assert "[redacted]" in hint and "HTTP 403" in hint


def test_a_long_reply_is_cut_to_an_excerpt(endpoint):
    endpoint.mock(return_value=httpx.Response(400, text="<html>" + "no " * 500 + "</html>"))

    with pytest.raises(AwsError) as caught:
        get_signin_token(CREDENTIALS, url=URL)

    assert len(caught.value.hint) < 400 and caught.value.hint.endswith("…")
