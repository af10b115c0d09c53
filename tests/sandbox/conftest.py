import httpx
import pytest

import pamsite.urls  # noqa: F401 - imported now, with PAM_SANDBOX off, as in production
from tests.aws.fixtures import reset_aws_state

MOTO_ACCOUNT = "123456789012"


@pytest.fixture
def sandbox_aws(moto_server, monkeypatch, settings):
    """Sandbox settings and AWS pointed at an empty moto, as the sandbox's children see them."""
    httpx.post(f"{moto_server}/moto-api/reset").raise_for_status()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    settings.DEBUG = True
    settings.PAM_SANDBOX = True
    settings.PAM_PLATFORM_ACCOUNT_ID = MOTO_ACCOUNT
    # The seed sets two passwords per run; the real hasher would dominate these tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    reset_aws_state()
    yield moto_server
    reset_aws_state()
