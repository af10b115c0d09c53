"""Trust-policy lint for a Resource Role: pure functions over the policy document.

A Resource Role that works can still be unsafe: without the `sts:ExternalId` condition, or
when it trusts `*` or more than the platform account, anyone who learns its ARN (or another
tenant of the platform) may be able to assume it (the confused-deputy problem). Each finding
carries the exact fix: the statement as it should read.
"""

import fnmatch
import json
from dataclasses import asdict, dataclass
from urllib.parse import unquote

EXTERNAL_ID_KEY = "sts:externalid"  # condition keys are case-insensitive
# Operators that pin sts:ExternalId to exact values (ForAnyValue on a single-valued key as well).
_EQUALITY_OPERATORS = {"stringequals", "stringequalsignorecase", "stringlike"}
# Principal-restricting condition keys that can make a "*" principal as narrow as one account.
_PRINCIPAL_ACCOUNT_KEY = "aws:principalaccount"
_PRINCIPAL_ARN_KEY = "aws:principalarn"

# Finding codes.
EXTERNAL_ID_MISSING = "ExternalIdMissing"
EXTERNAL_ID_OPTIONAL = "ExternalIdOptional"
EXTERNAL_ID_MISMATCH = "ExternalIdMismatch"
PRINCIPAL_WILDCARD = "PrincipalWildcard"
PRINCIPAL_OTHER_ACCOUNTS = "PrincipalOtherAccounts"
TRUST_POLICY_UNREADABLE = "TrustPolicyUnreadable"


@dataclass(frozen=True)
class Finding:
    """One lint result. `level` is "warning" (something to fix) or "note" (a check was
    skipped and why). `fix` is the exact change to make, usually a JSON statement."""

    code: str
    message: str
    fix: str = ""
    level: str = "warning"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def platform_principal(platform_account_id: str, partition: str = "aws") -> str:
    """The principal a Resource Role should trust: the platform account's root ARN."""
    return f"arn:{partition}:iam::{platform_account_id}:root"


def recommended_statement(
    *, platform_account_id: str, external_id: str, partition: str = "aws"
) -> dict:
    """The trust statement a Resource Role should have."""
    return {
        "Effect": "Allow",
        "Principal": {"AWS": platform_principal(platform_account_id, partition)},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
    }


def parse_policy(document: dict | str) -> dict:
    """A policy as a dict. IAM returns trust policies URL-encoded; botocore usually decodes
    them already. Raises ValueError when it is not a JSON object."""
    if isinstance(document, dict):
        return document
    text = document.strip()
    if text.startswith("%7B") or text.startswith("%7b"):
        text = unquote(text)
    policy = json.loads(text)
    if not isinstance(policy, dict):
        raise ValueError("A policy document is a JSON object.")
    return policy


def lint_trust_policy(
    document: dict | str,
    *,
    external_id: str,
    platform_account_id: str = "",
    partition: str = "aws",
) -> list[Finding]:
    """Check a Resource Role's trust policy against the External ID and the platform account.

    Looks at every Allow statement that lets an AWS principal call sts:AssumeRole. Warns when
    the principal is `*` (or an account wildcard, or NotPrincipal), when it names accounts other
    than the platform account, when the sts:ExternalId condition is missing, optional
    (`...IfExists`) or pins a different value. `platform_account_id` may be empty when unknown:
    then only wildcards and the External ID are checked.
    """
    try:
        policy = parse_policy(document)
    except (ValueError, TypeError):
        return [
            Finding(
                TRUST_POLICY_UNREADABLE,
                "The role's trust policy is not valid JSON, so it was not checked.",
                level="note",
            )
        ]
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    findings: list[Finding] = []
    for index, statement in enumerate(statements):
        if isinstance(statement, dict) and _allows_assume_role(statement):
            findings.extend(
                _lint_statement(
                    statement,
                    index=index,
                    external_id=external_id,
                    platform_account_id=platform_account_id,
                    partition=partition,
                )
            )
    return findings


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _allows_assume_role(statement: dict) -> bool:
    if str(statement.get("Effect", "")).lower() != "allow":
        return False
    if "NotAction" in statement:
        return not _action_matches(statement["NotAction"])
    return _action_matches(statement.get("Action"))


def _action_matches(actions) -> bool:
    return any(
        fnmatch.fnmatchcase("sts:assumerole", str(action).lower()) for action in _as_list(actions)
    )


def _aws_principals(statement: dict) -> list[str] | None:
    """The statement's AWS principals, ["*"] for a wildcard, None when it trusts no AWS
    principal (a service or a federated identity provider only)."""
    if "NotPrincipal" in statement:
        return ["*"]
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if isinstance(principal, dict):
        aws = _as_list(principal.get("AWS"))
        return [str(p) for p in aws] if aws else None
    return None


def _principal_account(principal: str) -> str:
    """The 12-digit account of a principal, "*" for wildcards, "" when it cannot be told (a
    unique id IAM left behind after the principal was deleted)."""
    if principal == "*":
        return "*"
    if principal.isdigit():
        return principal
    parts = principal.split(":")
    if len(parts) >= 6 and parts[0] == "arn":
        account = parts[4]
        return "*" if ("*" in account or "?" in account) else account
    return ""


def _condition_values(condition: dict, key: str) -> list[tuple[str, list[str]]]:
    """(operator, values) for every use of `key` in a Condition block."""
    found = []
    for operator, entries in (condition or {}).items():
        if not isinstance(entries, dict):
            continue
        for name, values in entries.items():
            if str(name).lower() == key:
                found.append((str(operator), [str(v) for v in _as_list(values)]))
    return found


def _narrowed_to_platform(condition: dict, platform_account_id: str) -> bool:
    """A "*" principal with aws:PrincipalAccount / aws:PrincipalArn pinned to the platform."""
    if not platform_account_id:
        return False
    for operator, values in _condition_values(condition, _PRINCIPAL_ACCOUNT_KEY):
        if operator.lower() == "stringequals" and values == [platform_account_id]:
            return True
    for operator, values in _condition_values(condition, _PRINCIPAL_ARN_KEY):
        narrowing = operator.lower() in ("arnequals", "arnlike", "stringequals", "stringlike")
        ours = all(_principal_account(v) == platform_account_id for v in values)
        if narrowing and values and ours:
            return True
    return False


def _base_operator(operator: str) -> tuple[str, bool]:
    """("stringequals", optional) from e.g. "ForAllValues:StringEqualsIfExists": `optional` is
    True when a request without the key still matches."""
    name = operator.lower()
    optional = name.endswith("ifexists") or name.startswith("forallvalues:")
    name = name.removesuffix("ifexists").split(":")[-1]
    return name, optional


def _external_id_problem(condition: dict, external_id: str) -> tuple[str, str] | None:
    uses = _condition_values(condition, EXTERNAL_ID_KEY)
    if not uses:
        return EXTERNAL_ID_MISSING, "has no sts:ExternalId condition"
    pinned = False
    for operator, values in uses:
        name, optional = _base_operator(operator)
        if name not in _EQUALITY_OPERATORS:
            continue
        if name == "stringlike" and any(c in v for v in values for c in "*?"):
            return EXTERNAL_ID_MISMATCH, f"matches sts:ExternalId with a pattern ({operator})"
        if optional:
            return (
                EXTERNAL_ID_OPTIONAL,
                f"uses {operator}, so a request without any External ID also matches",
            )
        others = [v for v in values if v != external_id]
        if others:
            return (
                EXTERNAL_ID_MISMATCH,
                "expects sts:ExternalId " + ", ".join(others) + f" instead of {external_id}",
            )
        pinned = True
    if not pinned:
        return EXTERNAL_ID_MISMATCH, "does not require sts:ExternalId to equal the External ID"
    return None


def _lint_statement(
    statement: dict, *, index: int, external_id: str, platform_account_id: str, partition: str
) -> list[Finding]:
    principals = _aws_principals(statement)
    if principals is None:
        return []
    condition = statement.get("Condition") or {}
    label = f"Statement {index + 1}" + (f' ("{statement["Sid"]}")' if statement.get("Sid") else "")
    accounts = {p: _principal_account(p) for p in principals}
    wildcard = any(a == "*" for a in accounts.values()) and not _narrowed_to_platform(
        condition, platform_account_id
    )
    others = sorted(
        {
            p
            for p, a in accounts.items()
            if platform_account_id and a not in ("*", "", platform_account_id)
        }
    )
    platform = platform_principal(platform_account_id or "<platform account id>", partition)
    fixed = _fixed_statement(
        statement,
        external_id=external_id,
        platform=platform,
        platform_account_id=platform_account_id,
        fix_principal=wildcard or bool(others),
    )
    fix = "Replace it with:\n" + json.dumps(fixed, indent=2)
    findings = []
    if wildcard:
        kind = "NotPrincipal" if "NotPrincipal" in statement else 'the principal "*"'
        findings.append(
            Finding(
                PRINCIPAL_WILDCARD,
                f"{label} trusts {kind}: any AWS account may try to assume this role. "
                f"Trust only the platform account ({platform}).",
                fix,
            )
        )
    if others:
        findings.append(
            Finding(
                PRINCIPAL_OTHER_ACCOUNTS,
                f"{label} also trusts {', '.join(others)}, beyond the platform account "
                f"{platform_account_id}. Remove them unless they are meant to use this role.",
                fix,
            )
        )
    problem = _external_id_problem(condition, external_id)
    if problem:
        code, what = problem
        findings.append(
            Finding(
                code,
                f"{label} {what}. Require "
                f'"StringEquals": {{"sts:ExternalId": "{external_id}"}} '
                "so only this project can use the role through the platform.",
                fix,
            )
        )
    return findings


def _fixed_statement(
    statement: dict,
    *,
    external_id: str,
    platform: str,
    platform_account_id: str,
    fix_principal: bool,
) -> dict:
    fixed = {k: v for k, v in statement.items() if k not in ("NotPrincipal", "Condition")}
    if fix_principal or "NotPrincipal" in statement:
        kept = [
            p
            for p in _aws_principals(statement) or []
            if platform_account_id and _principal_account(p) == platform_account_id
        ]
        fixed["Principal"] = {"AWS": kept if len(kept) > 1 else (kept[0] if kept else platform)}
    condition = {}
    for operator, entries in (statement.get("Condition") or {}).items():
        if not isinstance(entries, dict):
            condition[operator] = entries
            continue
        rest = {k: v for k, v in entries.items() if str(k).lower() != EXTERNAL_ID_KEY}
        if rest:
            condition[operator] = rest
    condition.setdefault("StringEquals", {})
    condition["StringEquals"] = {**condition["StringEquals"], "sts:ExternalId": external_id}
    fixed["Condition"] = condition
    return fixed
