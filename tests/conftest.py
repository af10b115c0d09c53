import os
import socket

import pytest

from resources.models import Membership
from tests.factories import AccountFactory, MembershipFactory, ProjectFactory, ResourceFactory

# The moto world and the per-process AWS resets (`aws`, `access_world`), and a real OpenID
# Connect provider on loopback (`oidc_server`, `provider`).
pytest_plugins = ["tests.aws.fixtures", "tests.identity.fixtures"]

# Tests never use a developer's real AWS identity.
for _name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(_name, None)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Factories make many users; PBKDF2 at full strength is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache and user ids repeat across tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def moto_server():
    """moto as a real HTTP server on a free loopback port, as `manage.py sandbox` runs it."""
    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def service_unavailable(what: str) -> None:
    """A test that needs PostgreSQL or Redis: skip on a laptop without them, fail in CI."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI but is not available")
    pytest.skip(f"{what} is not available")


@pytest.fixture
def project():
    return ProjectFactory()


@pytest.fixture
def admin_membership(project):
    return MembershipFactory(project=project, role=Membership.Role.ADMIN)


@pytest.fixture
def admin_user(admin_membership):
    return admin_membership.user


@pytest.fixture
def member_user(project):
    return MembershipFactory(project=project, role=Membership.Role.MEMBER).user


@pytest.fixture
def auditor_user(project):
    return MembershipFactory(project=project, role=Membership.Role.AUDITOR).user


@pytest.fixture
def resource(project):
    return ResourceFactory(project=project)


@pytest.fixture
def account(resource):
    return AccountFactory(resource=resource)
