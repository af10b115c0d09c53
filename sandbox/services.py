"""The sandbox's demo data: a project, its people (admin, member, auditor, and a platform admin),
and Resources whose roles exist in moto: the main demo account, a GovCloud and a China one, and a
broken one that shows what Invalid looks like."""

import json
import os
import secrets
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from accounts.models import Account
from accounts.services import account_create
from pamsite.aws import policies, sandbox
from pamsite.aws.identity import platform_account_id
from resources.models import GroupRule, Membership, Project, Resource
from resources.projects import group_rule_set, membership_set, project_create
from resources.services import resource_create, resource_update

PROJECT_SLUG = "sandbox-demo"
PROJECT_NAME = "Sandbox demo"
RESOURCE_NAME = "Sandbox AWS account"
BRIDGE_ROLE = "PamSandboxResourceRole"
# (account name, role name, session seconds, description, permissions policy)
TARGET_ROLES = (
    (
        "ReadOnly",
        "PamSandboxReadOnly",
        3600,
        "Look, don't touch: read-only access to the sandbox account.",
        {
            "Version": policies.VERSION,
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["s3:Get*", "s3:List*", "ec2:Describe*", "iam:Get*", "iam:List*"],
                    "Resource": "*",
                }
            ],
        },
    ),
    (
        "Admin",
        "PamSandboxAdmin",
        1800,
        "Full administrator access, 30 minutes at a time.",
        {
            "Version": policies.VERSION,
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        },
    ),
)
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


# The sandbox identity provider's groups (sandbox command, SSO_PEOPLE) and the roles they get.
SSO_GROUP_RULES = (("sandbox-developers", "member"), ("sandbox-admins", "admin"))


@dataclass(frozen=True)
class Login:
    role: str
    username: str
    email: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class SeedResult:
    project: Project
    resource: Resource  # the main demo account's
    resources: list[Resource]
    accounts: list[Account]
    logins: list[Login]


def sandbox_guard(*, endpoint_url: str) -> None:
    """Refuse unless this is the sandbox: DEBUG on and AWS pointed at this machine.

    The seed creates IAM roles and users with printed passwords; neither may ever happen
    against a real AWS account or a production database.
    """
    if not settings.DEBUG:
        raise ImproperlyConfigured(
            "The sandbox runs only with DEBUG on (DJANGO_DEBUG=true). It is a demo with "
            "printed passwords and a simulated AWS, never a deployment."
        )
    host = urlsplit(endpoint_url or "").hostname
    if host not in LOCAL_HOSTS:
        raise ImproperlyConfigured(
            "AWS_ENDPOINT_URL must point at the local moto server (http://127.0.0.1:<port>); "
            "the sandbox seed never writes to a real AWS account. Use `manage.py sandbox`."
        )


def _user_put(*, username: str, email: str, password: str, staff: bool = False):
    user, _ = get_user_model().objects.get_or_create(username=username, defaults={"email": email})
    user.email = email
    user.is_staff = user.is_superuser = staff
    user.set_password(password)
    user.save()
    return user


# Who writes the demo roles into moto ({partition: [key id, secret]} as JSON): the sandbox command
# makes an operator per partition and hands its keys to the seed only, never to the web process.
OPERATOR_KEYS = "PAM_SANDBOX_OPERATOR_KEYS"


def operator_keys_from_env() -> dict[str, tuple[str, str]]:
    raw = json.loads(os.environ.get(OPERATOR_KEYS) or "{}")
    return {partition: (key[0], key[1]) for partition, key in raw.items()}


@dataclass(frozen=True)
class DemoResource:
    """One AWS account of the demo: its partition, bridge role and target roles.

    `broken`: its Resource Role trusts another External ID (the most common copy-paste
    mistake) and its one target role does not exist, so validation shows what Invalid looks
    like, with AWS's code."""

    name: str
    partition: str
    description: str
    targets: tuple = TARGET_ROLES
    bridge_role: str = BRIDGE_ROLE
    broken: bool = False
    # The opt-ins (moto ignores SourceIdentity and tags; revocation's deny is judged by the
    # sandbox console page).
    opt_ins: bool = False


DEMO_RESOURCES = (
    DemoResource(RESOURCE_NAME, "aws", "Simulated by moto on this machine.", opt_ins=True),
    DemoResource(
        "Sandbox GovCloud account",
        "aws-us-gov",
        "AWS GovCloud (US), simulated: its own sign-in host and console.",
        targets=TARGET_ROLES[:1],
    ),
    DemoResource(
        "Sandbox China account",
        "aws-cn",
        "AWS China, simulated: its own sign-in host and console.",
        targets=TARGET_ROLES[:1],
    ),
    DemoResource(
        "Sandbox with a broken trust",
        "aws",
        "Shows what Invalid looks like: its role trusts another External ID.",
        targets=(
            (
                "Missing role",
                "PamSandboxNoSuchRole",
                3600,
                "A target role that does not exist in AWS.",
                None,
            ),
        ),
        bridge_role="PamSandboxBrokenBridge",
        broken=True,
    ),
)
# Accounts that ask for a fresh sign-in before the console opens (step-up), in minutes.
STEP_UP = {"Admin": 15}
# The demo's Admin opens on request: a member asks, an admin approves (or break-glass).
ACCESS_POLICIES = {
    "Admin": {
        "access_policy": "request",
        "max_grant_seconds": 2 * 3600,
        "break_glass_allowed": True,
        "break_glass_seconds": 1800,
    }
}
# Where the demo's ReadOnly opens (aws partition): a region, and pages to pick next to Access.
CONSOLE_PAGES = {
    "ReadOnly": {
        "console_region": "eu-west-1",
        "destinations": "S3 | /s3/home\nIAM | /iam/home\nCloudTrail | /cloudtrail/home",
    }
}


def _roles_put(
    *, demo: DemoResource, external_id: str, account_id: str, key: tuple[str, str] | None
) -> tuple[str, list[str]]:
    """The bridge and target roles in moto, with the trust policies an admin would paste."""
    partition = demo.partition
    bridge_arn = f"arn:{partition}:iam::{account_id}:role/{demo.bridge_role}"
    target_arns = [f"arn:{partition}:iam::{account_id}:role/{role}" for _, role, *_ in demo.targets]
    platform = platform_account_id(
        configured=settings.PAM_PLATFORM_ACCOUNT_ID, region=settings.AWS_REGION
    )
    documents = policies.resource_policies(
        resource_role_arn=bridge_arn,
        # The broken example's trust names another project's External ID.
        external_id=str(uuid.uuid5(uuid.NAMESPACE_URL, "another-project"))
        if demo.broken
        else external_id,
        platform_account_id=platform,
        target_role_arns=target_arns,
        revocation=demo.opt_ins,
        source_identity=demo.opt_ins,
        session_tags=demo.opt_ins,
        cloudtrail=demo.opt_ins,
    )
    sandbox.role_put(
        name=demo.bridge_role,
        trust_policy=documents.resource_role_trust,
        permissions_policy=documents.resource_role_permissions,
        description="PAM sandbox: the Resource Role the platform assumes with the External ID.",
        partition=partition,
        key=key,
    )
    for _, role, seconds, description, permissions in demo.targets:
        if permissions is None:
            continue  # a role that does not exist
        sandbox.role_put(
            name=role,
            trust_policy=documents.target_role_trust,
            permissions_policy=permissions,
            description=f"PAM sandbox: {description}",
            max_session_seconds=max(seconds, 3600),
            partition=partition,
            key=key,
        )
    return bridge_arn, target_arns


@transaction.atomic
def sandbox_seed(
    *,
    endpoint_url: str,
    passwords: dict[str, str] | None = None,
    operator_keys: dict[str, tuple[str, str]] | None = None,
) -> SeedResult:
    """Create (or bring back) the sandbox demo; safe to run at every start.

    moto keeps nothing between runs, so the roles are put again every time; the database rows
    are created once. Passwords are new each run unless given, and returned to be printed.
    `operator_keys` ({partition: (key id, secret)}) is who writes the roles in moto; without
    them, the environment's credentials.
    """
    if operator_keys is None:
        operator_keys = operator_keys_from_env()
    sandbox_guard(endpoint_url=endpoint_url)
    passwords = passwords or {}
    logins = []
    users = {}
    # "staff" is the platform admin (Django staff and superuser): it creates the project and
    # signs in to Django admin; it is not a member of the project.
    for role in ("admin", "member", "auditor", "staff"):
        password = passwords.get(role) or secrets.token_urlsafe(9)
        email = f"{role}@sandbox.example"
        users[role] = _user_put(
            username=role, email=email, password=password, staff=role == "staff"
        )
        logins.append(Login(role=role, username=role, email=email, password=password))

    admin = users["admin"]
    project = Project.objects.filter(slug=PROJECT_SLUG).first()
    if project is None:
        project = project_create(
            name=PROJECT_NAME, owner=admin, actor=users["staff"], slug=PROJECT_SLUG
        )
    for role in (Membership.Role.MEMBER, Membership.Role.AUDITOR):
        user = users[role]
        if not Membership.objects.filter(project=project, user=user).exists():
            membership_set(actor=admin, project=project, email=user.email, role=role)
    # People who sign in with the sandbox's SSO get their role from these group rules.
    for group, role in SSO_GROUP_RULES:
        if not GroupRule.objects.filter(project=project, group=group).exists():
            group_rule_set(actor=admin, project=project, group=group, role=role)

    # The demo account id is moto's default account, the one the platform itself runs in.
    account_id = settings.PAM_PLATFORM_ACCOUNT_ID or "123456789012"
    resources, accounts = [], []
    for demo in DEMO_RESOURCES:
        bridge_arn, target_arns = _roles_put(
            demo=demo,
            external_id=project.external_id,
            account_id=account_id,
            key=operator_keys.get(demo.partition),
        )
        resource = Resource.objects.filter(project=project, name=demo.name).first()
        if resource is None:
            resource = resource_create(
                actor=admin,
                project=project,
                name=demo.name,
                resource_role_arn=bridge_arn,
                description=demo.description,
                revocation_enabled=demo.opt_ins,
                source_identity_enabled=demo.opt_ins,
                session_tags_enabled=demo.opt_ins,
                cloudtrail_enabled=demo.opt_ins,
            )
        elif demo.opt_ins and not resource.cloudtrail_enabled:
            # A sandbox database from before the sandbox had a CloudTrail: turn it on.
            resource = resource_update(
                actor=admin,
                resource=resource,
                name=resource.name,
                resource_role_arn=resource.resource_role_arn,
                description=resource.description,
                cloudtrail_enabled=True,
            )
        resources.append(resource)
        for (name, _, seconds, description, _), arn in zip(demo.targets, target_arns, strict=True):
            account = Account.objects.filter(resource=resource, name=name).first()
            if account is None:
                account = account_create(
                    actor=admin,
                    resource=resource,
                    name=name,
                    target_role_arn=arn,
                    session_duration=seconds,
                    description=description,
                    step_up_minutes=STEP_UP.get(name),
                    **(CONSOLE_PAGES.get(name, {}) if demo.partition == "aws" else {}),
                    **(ACCESS_POLICIES.get(name, {}) if demo.opt_ins else {}),
                )
            accounts.append(account)
    return SeedResult(
        project=project,
        resource=resources[0],
        resources=resources,
        accounts=accounts,
        logins=logins,
    )
