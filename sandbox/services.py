"""The sandbox's demo data: a project, two people, and a Resource whose roles exist in moto."""

import secrets
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
from resources.services import resource_create

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
    resource: Resource
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


def _roles_put(*, external_id: str, account_id: str) -> tuple[str, list[str]]:
    """The bridge and target roles in moto, with the trust policies an admin would paste."""
    bridge_arn = f"arn:aws:iam::{account_id}:role/{BRIDGE_ROLE}"
    target_arns = [f"arn:aws:iam::{account_id}:role/{role}" for _, role, *_ in TARGET_ROLES]
    platform = platform_account_id(
        configured=settings.PAM_PLATFORM_ACCOUNT_ID, region=settings.AWS_REGION
    )
    documents = policies.resource_policies(
        resource_role_arn=bridge_arn,
        external_id=external_id,
        platform_account_id=platform,
        target_role_arns=target_arns,
    )
    sandbox.role_put(
        name=BRIDGE_ROLE,
        trust_policy=documents.resource_role_trust,
        permissions_policy=documents.resource_role_permissions,
        description="PAM sandbox: the Resource Role the platform assumes with the External ID.",
    )
    for _, role, seconds, description, permissions in TARGET_ROLES:
        sandbox.role_put(
            name=role,
            trust_policy=documents.target_role_trust,
            permissions_policy=permissions,
            description=f"PAM sandbox: {description}",
            max_session_seconds=max(seconds, 3600),
        )
    return bridge_arn, target_arns


@transaction.atomic
def sandbox_seed(*, endpoint_url: str, passwords: dict[str, str] | None = None) -> SeedResult:
    """Create (or bring back) the sandbox demo; safe to run at every start.

    moto keeps nothing between runs, so the roles are put again every time; the database rows
    are created once. Passwords are new each run unless given, and returned to be printed.
    """
    sandbox_guard(endpoint_url=endpoint_url)
    passwords = passwords or {}
    logins = []
    users = {}
    # "staff" is the platform admin (Django staff and superuser): it creates the project and
    # signs in to Django admin; it is not a member of the project.
    for role in ("admin", "member", "staff"):
        password = passwords.get(role) or secrets.token_urlsafe(9)
        email = f"{role}@sandbox.example"
        users[role] = _user_put(
            username=role, email=email, password=password, staff=role == "staff"
        )
        logins.append(Login(role=role, username=role, email=email, password=password))

    admin, member = users["admin"], users["member"]
    project = Project.objects.filter(slug=PROJECT_SLUG).first()
    if project is None:
        project = project_create(
            name=PROJECT_NAME, owner=admin, actor=users["staff"], slug=PROJECT_SLUG
        )
    if not Membership.objects.filter(project=project, user=member).exists():
        membership_set(
            actor=admin, project=project, email=member.email, role=Membership.Role.MEMBER
        )
    # People who sign in with the sandbox's SSO get their role from these group rules.
    for group, role in SSO_GROUP_RULES:
        if not GroupRule.objects.filter(project=project, group=group).exists():
            group_rule_set(actor=admin, project=project, group=group, role=role)

    # The demo account id is moto's default account, the one the platform itself runs in.
    account_id = settings.PAM_PLATFORM_ACCOUNT_ID or "123456789012"
    bridge_arn, target_arns = _roles_put(external_id=project.external_id, account_id=account_id)

    resource = Resource.objects.filter(project=project, name=RESOURCE_NAME).first()
    if resource is None:
        resource = resource_create(
            actor=admin,
            project=project,
            name=RESOURCE_NAME,
            resource_role_arn=bridge_arn,
            description="Simulated by moto on this machine.",
        )
    accounts = []
    for (name, _, seconds, description, _), arn in zip(TARGET_ROLES, target_arns, strict=True):
        account = Account.objects.filter(resource=resource, name=name).first()
        if account is None:
            account = account_create(
                actor=admin,
                resource=resource,
                name=name,
                target_role_arn=arn,
                session_duration=seconds,
                description=description,
            )
        accounts.append(account)
    return SeedResult(project=project, resource=resource, accounts=accounts, logins=logins)
