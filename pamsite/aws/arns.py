"""IAM role ARNs: parsing and the messages a person sees when one is wrong.

Pure string work, no boto3: forms, services and the AWS calls share it.
"""

import re
from dataclasses import dataclass

PARTITIONS = ("aws", "aws-us-gov", "aws-cn")
ARN_MAX_LENGTH = 2048
ROLE_NAME_MAX = 64
ROLE_PATH_MAX = 512
EXAMPLE = "arn:aws:iam::123456789012:role/PamBridge"

_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)
# IAM paths: "/" alone, or "/" + printable ASCII (no spaces) + "/".
_ROLE_PATH = re.compile(r"/(?:[\x21-\x7e]*/)?", re.ASCII)
_ACCOUNT_ID = re.compile(r"\d{12}", re.ASCII)
# IAM policy wildcards: an ARN typed here names exactly one role.
_WILDCARDS = ("*", "?")
WILDCARD_REFUSAL = "IAM wildcards are not allowed here: name one role."

_SERVICE_NAMES = {
    "s3": "an S3",
    "ec2": "an EC2",
    "lambda": "a Lambda",
    "sts": "an STS",
    "kms": "a KMS",
    "sns": "an SNS",
    "sqs": "an SQS",
}
_IAM_KINDS = {
    "user": "an IAM user ARN",
    "policy": "an IAM policy ARN",
    "group": "an IAM group ARN",
    "instance-profile": "an instance profile ARN",
    "saml-provider": "a SAML provider ARN",
    "oidc-provider": "an OIDC provider ARN",
    "root": "an account root ARN",
    "server-certificate": "a server certificate ARN",
    "mfa": "an MFA device ARN",
}


class InvalidRoleArn(ValueError):
    """The text is not an IAM role ARN; the message says what was expected."""


@dataclass(frozen=True)
class RoleArn:
    partition: str
    account_id: str
    path: str
    name: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:role{self.path}{self.name}"


def parse_role_arn(value: str) -> RoleArn:
    """Parse an IAM role ARN such as ``arn:aws:iam::123456789012:role/path/Name``.

    Surrounding whitespace is ignored. Raises InvalidRoleArn with a message that names
    what the text is instead (a user ARN, an S3 ARN...) and what is expected.
    """
    text = (value or "").strip()
    expected = f"Expected an IAM role ARN like {EXAMPLE}."
    if not text:
        raise InvalidRoleArn(f"Enter a role ARN. {expected}")
    if len(text) > ARN_MAX_LENGTH:
        raise InvalidRoleArn(f"An ARN is at most {ARN_MAX_LENGTH} characters. {expected}")
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise InvalidRoleArn(f"This is not an ARN. {expected}")
    _, partition, service, region, account_id, resource = parts
    if partition not in PARTITIONS:
        raise InvalidRoleArn(
            f"Unknown partition '{partition}': use one of {', '.join(PARTITIONS)}. {expected}"
        )
    if service == "sts" and resource.startswith("assumed-role/"):
        role_name = resource.split("/")[1] if resource.count("/") >= 1 else ""
        raise InvalidRoleArn(
            "This is an assumed-role session ARN, not the role itself. Use the role's IAM ARN, "
            f"arn:{partition}:iam::{account_id}:role/{role_name}."
        )
    if service != "iam":
        kind = _SERVICE_NAMES.get(service, f"a '{service}'")
        raise InvalidRoleArn(f"This is {kind} ARN, not an IAM role. {expected}")
    if region:
        raise InvalidRoleArn(f"IAM ARNs have no region; remove '{region}'. {expected}")
    if not _ACCOUNT_ID.fullmatch(account_id):
        raise InvalidRoleArn(
            f"The account id must be exactly 12 digits, got '{account_id}'. {expected}"
        )
    kind, _, rest = resource.partition("/")
    if kind != "role":
        described = _IAM_KINDS.get(kind, f"an IAM '{kind}' ARN")
        raise InvalidRoleArn(f"This is {described}, not a role. {expected}")
    if not rest:
        raise InvalidRoleArn(f"The role name is missing. {expected}")
    if any(wildcard in text for wildcard in _WILDCARDS):
        raise InvalidRoleArn(f"{WILDCARD_REFUSAL} {expected}")
    path, _, name = ("/" + rest).rpartition("/")
    path += "/"
    if "//" in path:
        raise InvalidRoleArn(
            f"The role path has an empty segment (//): write role/path/Name. {expected}"
        )
    if len(path) > ROLE_PATH_MAX or not _ROLE_PATH.fullmatch(path):
        raise InvalidRoleArn(
            "The role path must be printable ASCII without spaces, at most "
            f"{ROLE_PATH_MAX} characters (role/path/Name). {expected}"
        )
    if not _ROLE_NAME.fullmatch(name):
        raise InvalidRoleArn(
            f"The role name must be 1 to {ROLE_NAME_MAX} letters, digits or +=,.@_- "
            f"characters. {expected}"
        )
    return RoleArn(partition=partition, account_id=account_id, path=path, name=name)
