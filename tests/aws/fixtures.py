"""A moto AWS world for the Access chain, and the fixtures that reset per-process AWS state.

The fixtures (`aws`, `access_world`) are registered for every test by tests/conftest.py
(pytest_plugins); import the helpers and constants by name.
"""

import contextlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from pamsite.aws import clients
from pamsite.aws.chain import PLATFORM_SESSION_NAME, bridge_cache
from pamsite.aws.identity import reset_platform_identity
from pamsite.aws.policies import (
    resource_role_permissions_policy,
    resource_role_trust_policy,
    target_role_trust_policy,
)

CHAINING = (
    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role "
    "chaining."
)


# botocore Stubber responses, shaped like STS's.
def assume_role_response(role_arn: str, session_name: str, seconds: int = 3600) -> dict:
    name = role_arn.rsplit("/", 1)[1]
    return {
        "Credentials": {
            "AccessKeyId": "ASIAEXAMPLEEXAMPLE01",
            "SecretAccessKey": "stubbed-secret-access-key-0000000000000",
            "SessionToken": "stubbed-session-token-0000000000000000000",
            "Expiration": datetime.now(UTC) + timedelta(seconds=seconds),
        },
        "AssumedRoleUser": {
            "AssumedRoleId": f"AROAEXAMPLEEXAMPLE01:{session_name}",
            "Arn": f"arn:aws:sts::123456789012:assumed-role/{name}/{session_name}",
        },
    }


class _StubCredentials:
    access_key_id = "ASIAEXAMPLEEXAMPLE01"
    secret_access_key = "stubbed"
    session_token = "stubbed"


@contextlib.contextmanager
def sts_stubbers(monkeypatch):
    """(platform, target): a Stubber on the platform's STS client (hop 1) and one on the
    client every hop 2 is made with. AWS state is reset before and after."""
    reset_aws_state()
    platform = Stubber(clients.platform_sts_client("us-east-1"))
    target_client = clients.sts_client_for(_StubCredentials(), "us-east-1")
    target = Stubber(target_client)
    monkeypatch.setattr(clients, "sts_client_for", lambda credentials, region: target_client)
    try:
        with platform, target:
            yield platform, target
    finally:
        reset_aws_state()


MOTO_ACCOUNT = "123456789012"
REGION = "us-east-1"


def reset_aws_state() -> None:
    clients.reset_clients()
    bridge_cache.clear()
    reset_platform_identity()


@pytest.fixture
def aws(monkeypatch):
    """moto in-process for every AWS call, with fresh clients, bridge cache and identity."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    reset_aws_state()
    with mock_aws():
        yield
    reset_aws_state()


@dataclass(frozen=True)
class MotoWorld:
    platform_user_arn: str
    resource_role_arn: str
    target_role_arn: str
    external_id: str


def with_moto_principal(document: dict, principal: str) -> dict:
    """moto matches trust-policy principals by exact ARN only: it knows neither that
    `:root` covers the account's users nor that a role ARN covers its sessions. Add the exact
    caller next to the documented principal; the External ID condition is unchanged."""
    statement = dict(document["Statement"][0])
    statement["Principal"] = {"AWS": [statement["Principal"]["AWS"], principal]}
    return {**document, "Statement": [statement]}


def build_moto_world(
    monkeypatch, *, external_id: str, target_role_name: str = "ReadOnly", revocation: bool = False
) -> MotoWorld:
    """The platform IAM user, the Resource Role and a target role, trusting each other with
    the documents from pamsite.aws.policies. The platform's keys become the environment's."""
    iam = boto3.client("iam", region_name=REGION)
    user = iam.create_user(UserName="pam-platform")["User"]
    iam.put_user_policy(
        UserName="pam-platform",
        PolicyName="assume-resource-roles",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
            }
        ),
    )
    key = iam.create_access_key(UserName="pam-platform")["AccessKey"]
    resource_role_arn = f"arn:aws:iam::{MOTO_ACCOUNT}:role/PamBridge"
    target_role_arn = f"arn:aws:iam::{MOTO_ACCOUNT}:role/{target_role_name}"
    trust = resource_role_trust_policy(platform_account_id=MOTO_ACCOUNT, external_id=external_id)
    iam.create_role(
        RoleName="PamBridge",
        AssumeRolePolicyDocument=json.dumps(with_moto_principal(trust, user["Arn"])),
        MaxSessionDuration=4 * 3600,
    )
    iam.put_role_policy(
        RoleName="PamBridge",
        PolicyName="pam-assume-targets",
        PolicyDocument=json.dumps(
            resource_role_permissions_policy(
                resource_role_arn=resource_role_arn,
                target_role_arns=[target_role_arn],
                revocation=revocation,
            )
        ),
    )
    bridge_session = f"arn:aws:sts::{MOTO_ACCOUNT}:assumed-role/PamBridge/{PLATFORM_SESSION_NAME}"
    target_trust = target_role_trust_policy(
        resource_role_arn=resource_role_arn, external_id=external_id
    )
    iam.create_role(
        RoleName=target_role_name,
        AssumeRolePolicyDocument=json.dumps(with_moto_principal(target_trust, bridge_session)),
    )
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    reset_aws_state()
    return MotoWorld(
        platform_user_arn=user["Arn"],
        resource_role_arn=resource_role_arn,
        target_role_arn=target_role_arn,
        external_id=external_id,
    )


def count_assume_role_calls() -> list[str]:
    """Record the RoleArn of every AssumeRole API call made through pamsite.aws.clients from now
    on (one per round trip). Call after the last reset_aws_state()."""
    calls: list[str] = []

    def counter(params, **kwargs):
        calls.append(params["body"].get("RoleArn", ""))

    clients.botocore_session().register("before-call.sts.AssumeRole", counter)
    # Clients copy the session's handlers when created: the cached platform and bridge clients
    # too.
    for client in [*clients._platform_clients.values(), *clients._bridge_clients.values()]:
        client.meta.events.register("before-call.sts.AssumeRole", counter)
    return calls


SIGNIN_URL = "https://signin.aws.amazon.com/federation"
SIGNIN_TOKEN = "signin-token-SECRET-0123456789abcdef"


@dataclass(frozen=True)
class AccessWorld:
    """A project whose resource and account point at a moto world, a member, and the stubbed
    federation endpoint (`federation` is the respx route)."""

    aws: MotoWorld
    project: object
    resource: object
    account: object
    member: object
    federation: object
    router: object = None  # the respx router: add routes for other sign-in hosts


@pytest.fixture
def access_world(aws, monkeypatch, settings):  # noqa: F811
    """Everything an Access click needs, with moto's IAM authentication on."""
    yield from _access_world(monkeypatch, settings, revocation=False)


@pytest.fixture
def revocable_world(aws, monkeypatch, settings):  # noqa: F811
    """access_world with revocation on: the Resource opts in and the Resource Role's
    permissions carry the revocation statement (put before IAM authentication is on)."""
    yield from _access_world(monkeypatch, settings, revocation=True)


def _access_world(monkeypatch, settings, *, revocation: bool):
    # Users are made by the dozen here: PBKDF2 at full strength is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    import respx
    from moto.core import enable_iam_authentication

    from resources.models import Membership
    from tests.factories import AccountFactory, MembershipFactory, ProjectFactory, ResourceFactory

    project = ProjectFactory()
    world = build_moto_world(monkeypatch, external_id=project.external_id, revocation=revocation)
    resource = ResourceFactory(
        project=project, resource_role_arn=world.resource_role_arn, revocation_enabled=revocation
    )
    account = AccountFactory(
        resource=resource, target_role_arn=world.target_role_arn, session_duration=900
    )
    member = MembershipFactory(project=project, role=Membership.Role.MEMBER).user
    with respx.mock(assert_all_called=False) as mock, enable_iam_authentication():
        route = mock.post(SIGNIN_URL).respond(json={"SigninToken": SIGNIN_TOKEN})
        # The local identity provider (tests.identity.fixtures) is a real server on loopback.
        mock.route(host="localhost").pass_through()
        yield AccessWorld(world, project, resource, account, member, route, mock)
