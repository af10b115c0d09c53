"""The sandbox's AWS: moto with its IAM authentication on, answering like AWS where it can.

moto checks signatures, identity policies and trust policies once IAM authentication is on,
but it differs from AWS in two ways that matter here:

- it lets anyone assume a role that does not exist (AWS: AccessDenied, the same answer as a
  trust policy that refuses, so nobody learns which roles exist);
- it matches a trust policy's principal by exact ARN only, where AWS lets `arn:...:root` stand
  for every identity of that account and a role's ARN for that role's sessions.

`aws_like()` patches those two answers for as long as it is entered (the sandbox command holds
it for its whole run; the sandbox tests per test). Everything else is moto's own evaluation,
including the External ID condition. `identities_put()` makes the two identities the sandbox
needs in every partition, before authentication is turned on: the platform (sts:AssumeRole
only, as the README asks of a real one) and an operator that creates the demo roles, as an
AWS admin would.

Imported only by the sandbox: moto is the sandbox extra, never a dependency of the product.
"""

import configparser
import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

from moto.core import enable_iam_authentication
from moto.iam import access_control
from moto.iam.exceptions import NotFoundException
from moto.iam.utils import REQUIRE_RESOURCE_ACCESS_POLICIES_CHECK

from pamsite.aws import sandbox
from pamsite.aws.arns import PARTITIONS

# Any key does while moto does not yet enforce IAM: it makes the two identities below.
BOOTSTRAP_KEY = ("AKIASANDBOXBOOTSTRAP", "bootstrap")
# The profile names the web process's PAM_PLATFORM_PROFILES points at.
PLATFORM_PROFILES = {"aws-us-gov": "pam-sandbox-gov", "aws-cn": "pam-sandbox-cn"}
PLATFORM_USER = "pam-platform"
OPERATOR_USER = "pam-sandbox-operator"


@dataclass(frozen=True)
class Key:
    access_key_id: str
    secret_access_key: str


def _principals(arn: str) -> list[str]:
    """Who a trust policy may name to let `arn` in, the way AWS reads a principal: the exact
    ARN, the account (`:root`), and for a role session the role."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return [arn]
    partition, account, name = parts[1], parts[4], parts[5]
    found = [arn, f"arn:{partition}:iam::{account}:root"]
    if name.startswith("assumed-role/"):
        role = name.split("/")[1]
        found.append(f"arn:{partition}:iam::{account}:role/{role}")
    return found


def _is_assuming_role_operation(self, resource_arn: str) -> bool:
    # moto: only for roles that exist. AWS: for any role, and one that is missing refuses.
    return ":role/" in resource_arn and self._action in REQUIRE_RESOURCE_ACCESS_POLICIES_CHECK


def _check_role_trust_relationship(self, role_arn: str) -> bool:
    try:
        role = self.backend.get_role_by_arn(role_arn)
    except NotFoundException:
        return False
    policy = access_control.IAMPolicy(role.assume_role_policy_document)
    conditions = access_control.format_incoming_conditional_values(self._data)
    return any(
        policy.is_action_permitted(self._action, role_arn, principal, conditions)
        == access_control.PermissionResult.PERMITTED
        for principal in _principals(self._access_key.arn)
    )


@contextlib.contextmanager
def aws_like():
    """moto's IAM authentication on, with the two AWS answers above, until exit."""
    base = access_control.IAMRequestBase
    saved = (base._is_assuming_role_operation, base._check_role_trust_relationship)
    base._is_assuming_role_operation = _is_assuming_role_operation
    base._check_role_trust_relationship = _check_role_trust_relationship
    try:
        with enable_iam_authentication():
            yield
    finally:
        base._is_assuming_role_operation, base._check_role_trust_relationship = saved


def identities_put(endpoint_url: str) -> tuple[dict[str, Key], dict[str, Key]]:
    """The platform and operator users in each partition of the (empty, not yet enforcing)
    moto at `endpoint_url`: ({partition: platform key}, {partition: operator key})."""
    platform, operator = {}, {}
    for partition in PARTITIONS:
        made = {}
        for name, action in ((PLATFORM_USER, "sts:AssumeRole"), (OPERATOR_USER, "iam:*")):
            made[name] = Key(
                *sandbox.user_with_key_put(
                    name=name,
                    policy={
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}],
                    },
                    partition=partition,
                    endpoint_url=endpoint_url,
                    key=BOOTSTRAP_KEY,
                )
            )
        platform[partition], operator[partition] = made[PLATFORM_USER], made[OPERATOR_USER]
    return platform, operator


def credentials_file_write(path: Path, platform: dict[str, Key]) -> None:
    """A shared credentials file with the platform's key per partition: `default` for aws,
    and the PLATFORM_PROFILES for GovCloud and China (moto keys, worthless anywhere else)."""
    config = configparser.ConfigParser()
    profiles = {"aws": "default", **PLATFORM_PROFILES}
    for partition, profile in profiles.items():
        key = platform[partition]
        config[profile] = {
            "aws_access_key_id": key.access_key_id,
            "aws_secret_access_key": key.secret_access_key,
        }
    with path.open("w") as handle:
        config.write(handle)
    path.chmod(0o600)


def platform_profiles_setting() -> str:
    """PAM_PLATFORM_PROFILES for the web process."""
    return ",".join(f"{partition}={profile}" for partition, profile in PLATFORM_PROFILES.items())


def operator_keys_setting(operator: dict[str, Key]) -> str:
    """The seed's operator keys, as JSON for its environment only."""
    return json.dumps({p: [k.access_key_id, k.secret_access_key] for p, k in operator.items()})
