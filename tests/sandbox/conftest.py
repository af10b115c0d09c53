import httpx
import pytest

import pamsite.urls  # noqa: F401 - imported now, with PAM_SANDBOX off, as in production
from sandbox import moto_world
from sandbox.services import OPERATOR_KEYS
from tests.aws.fixtures import reset_aws_state

MOTO_ACCOUNT = "123456789012"
MEMBER_PASSWORD = "member-demo-password"


def sandbox_identities_put(moto_server, monkeypatch, tmp_path) -> None:
    """What `manage.py sandbox` does to an empty moto before anything else: the platform and
    the operator in each partition, their keys where its children find them."""
    httpx.post(f"{moto_server}/moto-api/reset").raise_for_status()
    platform, operator = moto_world.identities_put(moto_server)
    credentials = tmp_path / "aws-credentials"
    moto_world.credentials_file_write(credentials, platform)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", platform["aws"].access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", platform["aws"].secret_access_key)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("PAM_PLATFORM_PROFILES", moto_world.platform_profiles_setting())
    monkeypatch.setenv(OPERATOR_KEYS, moto_world.operator_keys_setting(operator))
    reset_aws_state()


@pytest.fixture
def sandbox_aws(moto_server, monkeypatch, settings, tmp_path):
    """Sandbox settings and AWS pointed at an empty moto that enforces IAM as the sandbox's
    does (sandbox.moto_world), as the sandbox's children see them."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    sandbox_identities_put(moto_server, monkeypatch, tmp_path)
    settings.DEBUG = True
    settings.PAM_SANDBOX = True
    settings.PAM_PLATFORM_ACCOUNT_ID = MOTO_ACCOUNT
    # The seed sets two passwords per run; the real hasher would dominate these tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with moto_world.aws_like():
        yield moto_server
    reset_aws_state()


@pytest.fixture
def sandbox_site(transactional_db, sandbox_aws, live_server, settings):
    """The seeded sandbox served by the live server, Access landing on its federation
    stand-in; the member's password is MEMBER_PASSWORD."""
    from sandbox.services import sandbox_seed

    settings.PAM_FEDERATION_ENDPOINT = f"{live_server.url}/sandbox/federation"
    settings.PAM_ISSUER_URL = f"{live_server.url}/"
    sandbox_seed(endpoint_url=sandbox_aws, passwords={"member": MEMBER_PASSWORD})
    return live_server.url
