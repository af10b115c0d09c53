import json
from io import StringIO

import boto3
import httpx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Account
from resources.models import Membership, Project, Resource
from sandbox import services
from sandbox.management.commands.seed_sandbox import Command as SeedCommand

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command(SeedCommand(), stdout=out)
    return out.getvalue()


def iam(endpoint):
    return boto3.client("iam", region_name="us-east-1", endpoint_url=endpoint)


def test_seed_creates_the_demo_project_with_an_admin_and_a_member(sandbox_aws):
    seed()
    project = Project.objects.get(slug=services.PROJECT_SLUG)
    roles = dict(project.memberships.values_list("user__username", "role"))
    assert roles == {"admin": Membership.Role.ADMIN, "member": Membership.Role.MEMBER}


def test_seed_creates_a_resource_with_read_only_and_admin_accounts(sandbox_aws):
    seed()
    resource = Resource.objects.get(project__slug=services.PROJECT_SLUG)
    accounts = dict(
        Account.objects.filter(resource=resource).values_list("name", "target_role_arn")
    )
    assert resource.resource_role_arn == "arn:aws:iam::123456789012:role/PamSandboxResourceRole"
    assert accounts == {
        "ReadOnly": "arn:aws:iam::123456789012:role/PamSandboxReadOnly",
        "Admin": "arn:aws:iam::123456789012:role/PamSandboxAdmin",
    }


def test_seeded_roles_exist_in_moto_with_the_project_external_id(sandbox_aws):
    seed()
    external_id = Project.objects.get(slug=services.PROJECT_SLUG).external_id
    client = iam(sandbox_aws)
    for name in ("PamSandboxResourceRole", "PamSandboxReadOnly", "PamSandboxAdmin"):
        trust = client.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
        if isinstance(trust, str):
            trust = json.loads(trust)
        condition = trust["Statement"][0]["Condition"]["StringEquals"]
        assert condition == {"sts:ExternalId": external_id}, name


def test_target_roles_trust_the_resource_role_and_it_trusts_the_platform_account(sandbox_aws):
    seed()
    client = iam(sandbox_aws)
    bridge = client.get_role(RoleName="PamSandboxResourceRole")["Role"]
    target = client.get_role(RoleName="PamSandboxReadOnly")["Role"]
    assert bridge["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "AWS": "arn:aws:iam::123456789012:root"
    }
    assert target["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"AWS": bridge["Arn"]}


def test_resource_role_may_assume_both_target_roles(sandbox_aws):
    seed()
    policy = iam(sandbox_aws).get_role_policy(
        RoleName="PamSandboxResourceRole", PolicyName="PamSandboxResourceRolePermissions"
    )["PolicyDocument"]
    assert sorted(policy["Statement"][0]["Resource"]) == [
        "arn:aws:iam::123456789012:role/PamSandboxAdmin",
        "arn:aws:iam::123456789012:role/PamSandboxReadOnly",
    ]


def test_seed_twice_creates_nothing_twice(sandbox_aws):
    seed()
    seed()
    assert Project.objects.count() == 1
    assert Resource.objects.count() == 1
    assert Account.objects.count() == 2
    assert Membership.objects.count() == 2


def test_seed_puts_the_roles_back_into_a_fresh_moto(sandbox_aws):
    seed()
    httpx.post(f"{sandbox_aws}/moto-api/reset").raise_for_status()
    seed()
    assert iam(sandbox_aws).get_role(RoleName="PamSandboxAdmin")["Role"]["RoleName"]


def test_seed_prints_logins_that_work(sandbox_aws, client):
    output = seed()
    line = next(line for line in output.splitlines() if line.strip().startswith("member "))
    password = line.split("password", 1)[1].split()[0]
    assert client.login(username="member", password=password)


def test_seed_sets_new_passwords_each_run(sandbox_aws, client):
    first = services.sandbox_seed(endpoint_url=sandbox_aws).logins[0].password
    services.sandbox_seed(endpoint_url=sandbox_aws)
    assert not client.login(username="admin", password=first)


def test_seeded_resource_validates_against_moto(sandbox_aws, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        seed()
    resource = Resource.objects.get(project__slug=services.PROJECT_SLUG)
    assert resource.validation_status == Resource.ValidationStatus.VALID


def test_seed_refuses_with_debug_off(sandbox_aws, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        seed()
    assert not Project.objects.exists()


def test_seed_refuses_an_aws_endpoint_that_is_not_local(sandbox_aws, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://sts.amazonaws.com")
    with pytest.raises(CommandError, match="local moto"):
        seed()


def test_seed_refuses_without_an_aws_endpoint(sandbox_aws, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    with pytest.raises(CommandError, match="AWS_ENDPOINT_URL"):
        seed()
