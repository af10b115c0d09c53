import json
from io import StringIO

import boto3
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from moto import settings as moto_settings

from accounts.models import Account
from pamsite.aws import partitions
from resources.models import Membership, Project, Resource
from resources.services import resource_update
from sandbox import services
from sandbox.management.commands.seed_sandbox import Command as SeedCommand
from tests.sandbox.conftest import sandbox_identities_put

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command(SeedCommand(), stdout=out)
    return out.getvalue()


def iam(endpoint, partition="aws"):
    """IAM as the sandbox's operator (the platform itself may only assume roles)."""
    key_id, secret = services.operator_keys_from_env()[partition]
    return boto3.client(
        "iam",
        region_name=partitions.partition(partition).default_region,
        endpoint_url=endpoint,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
    )


def test_seed_creates_the_demo_project_with_an_admin_a_member_and_an_auditor(sandbox_aws):
    output = seed()
    project = Project.objects.get(slug=services.PROJECT_SLUG)
    roles = dict(project.memberships.values_list("user__username", "role"))
    assert roles == {
        "admin": Membership.Role.ADMIN,
        "member": Membership.Role.MEMBER,
        "auditor": Membership.Role.AUDITOR,
    }
    # The platform admin (Django staff) is printed too, and is no member.
    assert "staff    password " in output and "auditor  password " in output


def main_resource() -> Resource:
    return Resource.objects.get(project__slug=services.PROJECT_SLUG, name=services.RESOURCE_NAME)


def test_seed_creates_a_resource_with_read_only_and_admin_accounts(sandbox_aws):
    seed()
    resource = main_resource()
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
    assert Resource.objects.count() == len(services.DEMO_RESOURCES)
    assert Account.objects.count() == sum(len(demo.targets) for demo in services.DEMO_RESOURCES)
    assert Membership.objects.count() == 3


def test_the_demo_resource_reads_console_activity_even_in_an_older_sandbox_database(sandbox_aws):
    seed()
    demo = Resource.objects.get(name=services.RESOURCE_NAME)
    admin = demo.project.memberships.get(role=Membership.Role.ADMIN).user
    # A database from before the sandbox had a CloudTrail: the opt-in is off.
    resource_update(
        actor=admin,
        resource=demo,
        name=demo.name,
        resource_role_arn=demo.resource_role_arn,
        cloudtrail_enabled=False,
    )

    seed()

    assert Resource.objects.get(pk=demo.pk).cloudtrail_enabled
    statements = iam(sandbox_aws).get_role_policy(
        RoleName="PamSandboxResourceRole", PolicyName="PamSandboxResourceRolePermissions"
    )["PolicyDocument"]["Statement"]
    assert any(s["Action"] == "cloudtrail:LookupEvents" for s in statements)


def test_seed_puts_the_roles_back_into_a_fresh_moto(sandbox_aws, monkeypatch, tmp_path):
    seed()
    # The next start: an empty moto, the identities made again (before IAM is enforced), then
    # the seed.
    enforced = moto_settings.INITIAL_NO_AUTH_ACTION_COUNT
    moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")
    try:
        sandbox_identities_put(sandbox_aws, monkeypatch, tmp_path)
    finally:
        moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = enforced
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


def test_seeded_resources_validate_against_moto_as_against_aws(
    sandbox_aws, django_capture_on_commit_callbacks
):
    """moto enforces IAM in the sandbox: the demo accounts in all three partitions are Valid,
    and the broken example is Invalid with AWS's code for a trust policy with another External
    ID and for a target role that does not exist."""
    with django_capture_on_commit_callbacks(execute=True):
        seed()
    status = {
        r.name: (r.validation_status, r.validation_code)
        for r in Resource.objects.filter(project__slug=services.PROJECT_SLUG)
    }
    assert status == {
        services.RESOURCE_NAME: ("valid", ""),
        "Sandbox GovCloud account": ("valid", ""),
        "Sandbox China account": ("valid", ""),
        "Sandbox with a broken trust": ("invalid", "AccessDenied"),
    }
    accounts = {
        (a.resource.name, a.name): a.validation_status
        for a in Account.objects.select_related("resource")
    }
    assert accounts[("Sandbox GovCloud account", "ReadOnly")] == "valid"
    assert accounts[("Sandbox China account", "ReadOnly")] == "valid"
    assert accounts[("Sandbox with a broken trust", "Missing role")] == "invalid"


def test_a_target_role_that_does_not_exist_is_invalid_with_awss_code(
    sandbox_aws, django_capture_on_commit_callbacks
):
    """Under the valid demo Resource, an account whose role is missing in AWS (moto)."""
    from accounts.services import account_create

    with django_capture_on_commit_callbacks(execute=True):
        result = services.sandbox_seed(endpoint_url=sandbox_aws)
    admin = result.project.memberships.get(role=Membership.Role.ADMIN).user
    with django_capture_on_commit_callbacks(execute=True):
        account = account_create(
            actor=admin,
            resource=main_resource(),
            name="Ghost",
            target_role_arn="arn:aws:iam::123456789012:role/PamSandboxGhost",
            session_duration=900,
        )
    account.refresh_from_db()
    assert (account.validation_status, account.validation_code) == ("invalid", "AccessDenied")


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


def test_the_demo_admin_account_is_on_request_with_break_glass(sandbox_aws):
    seed()
    admin = Account.objects.get(resource__name=services.RESOURCE_NAME, name="Admin")
    assert (admin.access_policy, admin.break_glass_allowed, admin.step_up_minutes) == (
        "request",
        True,
        15,
    )
