"""Sandbox-only AWS calls, made against moto through AWS_ENDPOINT_URL.

Three jobs: tell the federation stand-in whose credentials it was handed
(sts:GetCallerIdentity), create the demo roles the sandbox seed puts into moto, and make the
sandbox console's few real calls as the console session. Nothing in the real Access path
imports this module.
"""

import contextlib
import json
import secrets
from dataclasses import dataclass

import botocore.exceptions

from pamsite.aws import clients, partitions
from pamsite.aws.arns import PARTITIONS
from pamsite.aws.chain import Credentials
from pamsite.aws.errors import AwsError, Fault

HOP_SANDBOX = "sandbox"


@dataclass(frozen=True)
class CallerIdentity:
    """What sts:GetCallerIdentity says about a set of credentials."""

    account_id: str
    arn: str
    user_id: str  # for a role session: ROLEID:RoleSessionName, the aws:userid key

    @property
    def is_role_session(self) -> bool:
        """Only temporary role credentials can be federated into the console."""
        return ":assumed-role/" in self.arn

    @property
    def role_name(self) -> str:
        return self.arn.split(":assumed-role/", 1)[1].split("/")[0] if self.is_role_session else ""

    @property
    def role_session_name(self) -> str:
        return self.arn.rsplit("/", 1)[1] if self.is_role_session else ""


@contextlib.contextmanager
def _moto_call(*, refused: str):
    """A call to the local AWS (moto): its refusal as AwsError with AWS's code and `refused`
    as the hint, moto not answering as SandboxUnreachable."""
    try:
        yield
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        raise AwsError(
            error.get("Code") or "Unknown",
            refused,
            message=error.get("Message", ""),
            hop=HOP_SANDBOX,
        ) from None
    except botocore.exceptions.BotoCoreError as exc:
        raise AwsError(
            "SandboxUnreachable",
            "The sandbox could not reach its local AWS (moto). Is `manage.py sandbox` running?",
            message=type(exc).__name__,
            hop=HOP_SANDBOX,
            fault=Fault.UNREACHABLE,
        ) from None


def caller_identity(credentials: Credentials, *, region: str) -> CallerIdentity:
    """sts:GetCallerIdentity with `credentials`; AwsError when STS refuses or cannot be reached."""
    client = clients.sts_client_for(credentials, region)
    with _moto_call(refused="STS refused these credentials."):
        response = client.get_caller_identity()
    return CallerIdentity(
        account_id=response["Account"], arn=response["Arn"], user_id=response["UserId"]
    )


def role_session_identity(credentials: Credentials, *, region: str) -> CallerIdentity:
    """caller_identity in the partition the credentials belong to: `region`'s first, then the
    other partitions' (one stand-in plays every partition's sign-in endpoint). Returns the
    first answer that is a role session, else the last answer; AwsError if all refused."""
    regions = [region] + [
        partitions.partition(name).default_region
        for name in PARTITIONS
        if partitions.partition_of_region(region) != name
    ]
    found, error = None, None
    for each in regions:
        try:
            found = caller_identity(credentials, region=each)
        except AwsError as exc:
            error = exc
            continue
        if found.is_role_session:
            return found
    if found is None:
        raise error
    return found


def role_put(
    *,
    name: str,
    trust_policy: dict,
    permissions_policy: dict,
    description: str = "",
    max_session_seconds: int = 3600,
    partition: str = "aws",
    key: tuple[str, str] | None = None,
) -> str:
    """Create the IAM role `name` in `partition`, or reset its trust and inline permissions
    policy if it exists, as the identity of `key` (access key id, secret; default: the
    environment's). Returns the role ARN. The sandbox seed's only IAM write; it runs against
    moto."""
    access = {"aws_access_key_id": key[0], "aws_secret_access_key": key[1]} if key else {}
    iam = clients.botocore_session().create_client(
        "iam",
        region_name=partitions.partition(partition).default_region,
        config=clients.CLIENT_CONFIG,
        **access,
    )
    trust = json.dumps(trust_policy)
    try:
        try:
            arn = iam.get_role(RoleName=name)["Role"]["Arn"]
            iam.update_assume_role_policy(RoleName=name, PolicyDocument=trust)
        except iam.exceptions.NoSuchEntityException:
            arn = iam.create_role(
                RoleName=name,
                AssumeRolePolicyDocument=trust,
                Description=description,
                MaxSessionDuration=max_session_seconds,
            )["Role"]["Arn"]
        iam.put_role_policy(
            RoleName=name,
            PolicyName=f"{name}Permissions",
            PolicyDocument=json.dumps(permissions_policy),
        )
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        raise AwsError(
            "SandboxIamError",
            f"Could not create the sandbox role {name} in the local AWS (moto).",
            message=type(exc).__name__,
            hop=HOP_SANDBOX,
        ) from None
    return arn


def user_with_key_put(
    *, name: str, policy: dict, partition: str, endpoint_url: str, key: tuple[str, str]
) -> tuple[str, str]:
    """Create the IAM user `name` in `partition` of the local AWS (moto) at `endpoint_url`,
    with the inline `policy` and an access key; returns (key id, secret). Made with `key`,
    which moto accepts while it does not yet enforce IAM (sandbox.moto_world)."""
    iam = clients.botocore_session().create_client(
        "iam",
        region_name=partitions.partition(partition).default_region,
        endpoint_url=endpoint_url,
        aws_access_key_id=key[0],
        aws_secret_access_key=key[1],
        config=clients.CLIENT_CONFIG,
    )
    try:
        iam.create_user(UserName=name)
        iam.put_user_policy(
            UserName=name, PolicyName=f"{name}-policy", PolicyDocument=json.dumps(policy)
        )
        created = iam.create_access_key(UserName=name)["AccessKey"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        raise AwsError(
            "SandboxIamError",
            f"Could not create the sandbox user {name} in the local AWS (moto).",
            message=type(exc).__name__,
            hop=HOP_SANDBOX,
        ) from None
    return created["AccessKeyId"], created["SecretAccessKey"]


# What a person can do in the sandbox console, each one real call to moto as the session:
# (key, label, service, whether it writes).
CONSOLE_ACTIONS = (
    ("s3-list", "List S3 buckets", "s3", False),
    ("s3-create", "Create an S3 bucket", "s3", True),
    ("iam-list", "List IAM roles", "iam", False),
    ("iam-create-user", "Create an IAM user", "iam", True),
)


def console_action(credentials: Credentials, *, action: str, region: str) -> str:
    """Do one of CONSOLE_ACTIONS as the console session whose `credentials` these are, in
    `region` (IAM: its partition's global region). Returns what happened, in a line; AwsError
    with AWS's code when moto refuses (AccessDenied for what the role may not do)."""
    known = {key: service for key, _, service, _ in CONSOLE_ACTIONS}
    if action not in known:
        raise ValueError(f"unknown sandbox console action {action!r}")
    if known[action] == "iam":
        region = partitions.partition(partitions.partition_of_region(region)).default_region
    client = clients.botocore_session().create_client(
        known[action],
        region_name=region,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        config=clients.CLIENT_CONFIG,
    )
    name = f"sandbox-{secrets.token_hex(4)}"
    with _moto_call(refused="The local AWS (moto) refused the call as this role session."):
        if action == "s3-list":
            found = client.list_buckets().get("Buckets", [])
            return f"{len(found)} S3 bucket(s) in the account."
        if action == "s3-create":
            options = {}
            if region != "us-east-1":
                options["CreateBucketConfiguration"] = {"LocationConstraint": region}
            client.create_bucket(Bucket=name, **options)
            return f"Created the S3 bucket {name} in {region}."
        if action == "iam-list":
            return f"{len(client.list_roles().get('Roles', []))} IAM role(s) in the account."
        client.create_user(UserName=name)
        return f"Created the IAM user {name}."
