import json
from urllib.parse import quote

from pamsite.aws import lint

EXTERNAL_ID = "3f1c2a5e-8d7b-4c1e-9a0f-1b2c3d4e5f60"
PLATFORM = "111111111111"
PLATFORM_ROOT = "arn:aws:iam::111111111111:root"


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def statement(principal=None, condition=None, **extra):
    st = {
        "Effect": "Allow",
        "Principal": {"AWS": PLATFORM_ROOT} if principal is None else principal,
        "Action": "sts:AssumeRole",
    }
    if condition is not None:
        st["Condition"] = condition
    st.update(extra)
    return st


def pinned(value=EXTERNAL_ID):
    return {"StringEquals": {"sts:ExternalId": value}}


def codes(document, platform=PLATFORM):
    findings = lint.lint_trust_policy(
        document, external_id=EXTERNAL_ID, platform_account_id=platform
    )
    return [f.code for f in findings]


def test_recommended_trust_policy_has_no_findings():
    document = policy(
        lint.recommended_statement(platform_account_id=PLATFORM, external_id=EXTERNAL_ID)
    )
    assert codes(document) == []


def test_policies_module_trust_policy_passes_lint():
    from pamsite.aws.policies import resource_role_trust_policy

    document = resource_role_trust_policy(platform_account_id=PLATFORM, external_id=EXTERNAL_ID)
    assert codes(document) == []


def test_missing_external_id_condition_is_a_warning_with_the_exact_fix():
    [finding] = lint.lint_trust_policy(
        policy(statement()), external_id=EXTERNAL_ID, platform_account_id=PLATFORM
    )
    assert finding.code == lint.EXTERNAL_ID_MISSING
    assert finding.level == "warning"
    fixed = json.loads(finding.fix.split("\n", 1)[1])
    assert fixed["Condition"] == {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}
    assert fixed["Principal"] == {"AWS": PLATFORM_ROOT}


def test_different_external_id_is_a_mismatch_naming_both_values():
    [finding] = lint.lint_trust_policy(
        policy(statement(condition=pinned("someone-else"))),
        external_id=EXTERNAL_ID,
        platform_account_id=PLATFORM,
    )
    assert finding.code == lint.EXTERNAL_ID_MISMATCH
    assert "someone-else" in finding.message and EXTERNAL_ID in finding.message


def test_external_id_list_with_extra_values_is_a_mismatch():
    document = policy(statement(condition=pinned([EXTERNAL_ID, "other-tenant"])))
    assert codes(document) == [lint.EXTERNAL_ID_MISMATCH]


def test_external_id_condition_key_is_case_insensitive():
    document = policy(statement(condition={"StringEquals": {"STS:externalid": EXTERNAL_ID}}))
    assert codes(document) == []


def test_external_id_if_exists_is_optional_and_warned():
    document = policy(
        statement(condition={"StringEqualsIfExists": {"sts:ExternalId": EXTERNAL_ID}})
    )
    assert codes(document) == [lint.EXTERNAL_ID_OPTIONAL]


def test_external_id_pattern_is_a_mismatch():
    document = policy(statement(condition={"StringLike": {"sts:ExternalId": "*"}}))
    assert codes(document) == [lint.EXTERNAL_ID_MISMATCH]


def test_external_id_only_required_to_exist_is_a_mismatch():
    document = policy(statement(condition={"Null": {"sts:ExternalId": "false"}}))
    assert codes(document) == [lint.EXTERNAL_ID_MISMATCH]


def test_wildcard_principal_is_warned_and_the_fix_trusts_the_platform_account():
    findings = lint.lint_trust_policy(
        policy(statement(principal="*", condition=pinned())),
        external_id=EXTERNAL_ID,
        platform_account_id=PLATFORM,
    )
    assert [f.code for f in findings] == [lint.PRINCIPAL_WILDCARD]
    fixed = json.loads(findings[0].fix.split("\n", 1)[1])
    assert fixed["Principal"] == {"AWS": PLATFORM_ROOT}
    assert fixed["Condition"] == pinned()


def test_aws_wildcard_principal_is_warned():
    document = policy(statement(principal={"AWS": "*"}, condition=pinned()))
    assert codes(document) == [lint.PRINCIPAL_WILDCARD]


def test_account_wildcard_in_arn_is_warned():
    document = policy(statement(principal={"AWS": "arn:aws:iam::*:root"}, condition=pinned()))
    assert codes(document) == [lint.PRINCIPAL_WILDCARD]


def test_not_principal_allow_is_warned_as_wildcard():
    st = statement(condition=pinned())
    del st["Principal"]
    st["NotPrincipal"] = {"AWS": "arn:aws:iam::999999999999:root"}
    assert codes(policy(st)) == [lint.PRINCIPAL_WILDCARD]


def test_wildcard_principal_narrowed_to_the_platform_account_is_fine():
    condition = {"StringEquals": {"sts:ExternalId": EXTERNAL_ID, "aws:PrincipalAccount": PLATFORM}}
    assert codes(policy(statement(principal="*", condition=condition))) == []


def test_other_accounts_besides_the_platform_are_warned_and_removed_in_the_fix():
    principal = {"AWS": [PLATFORM_ROOT, "arn:aws:iam::999999999999:root", "222222222222"]}
    [finding] = lint.lint_trust_policy(
        policy(statement(principal=principal, condition=pinned())),
        external_id=EXTERNAL_ID,
        platform_account_id=PLATFORM,
    )
    assert finding.code == lint.PRINCIPAL_OTHER_ACCOUNTS
    assert "999999999999" in finding.message and "222222222222" in finding.message
    assert json.loads(finding.fix.split("\n", 1)[1])["Principal"] == {"AWS": PLATFORM_ROOT}


def test_a_role_in_the_platform_account_is_narrower_and_fine():
    principal = {"AWS": "arn:aws:iam::111111111111:role/pam-server"}
    assert codes(policy(statement(principal=principal, condition=pinned()))) == []


def test_unknown_platform_account_still_checks_wildcards_and_external_id():
    principal = {"AWS": "arn:aws:iam::999999999999:root"}
    document = policy(statement(principal=principal), statement(principal="*", condition=pinned()))
    assert codes(document, platform="") == [lint.EXTERNAL_ID_MISSING, lint.PRINCIPAL_WILDCARD]


def test_service_principals_and_deny_statements_are_ignored():
    document = policy(
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:*"},
        {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"},
        statement(condition=pinned()),
    )
    assert codes(document) == []


def test_statements_that_do_not_allow_assume_role_are_ignored():
    document = policy(statement(Action="sts:TagSession"), statement(condition=pinned()))
    assert codes(document) == []


def test_action_wildcards_count_as_assume_role():
    assert codes(policy(statement(Action=["sts:Assume*"]))) == [lint.EXTERNAL_ID_MISSING]


def test_url_encoded_policy_as_iam_returns_it_is_parsed():
    document = quote(json.dumps(policy(statement())))
    assert codes(document) == [lint.EXTERNAL_ID_MISSING]


def test_single_statement_object_is_accepted():
    assert codes({"Version": "2012-10-17", "Statement": statement()}) == [lint.EXTERNAL_ID_MISSING]


def test_unreadable_policy_gives_a_note_not_a_warning():
    [finding] = lint.lint_trust_policy("not json", external_id=EXTERNAL_ID)
    assert (finding.code, finding.level) == (lint.TRUST_POLICY_UNREADABLE, "note")


def test_fix_keeps_other_conditions():
    condition = {
        "StringEquals": {"sts:ExternalId": "old"},
        "Bool": {"aws:SecureTransport": "true"},
    }
    [finding] = lint.lint_trust_policy(
        policy(statement(condition=condition)),
        external_id=EXTERNAL_ID,
        platform_account_id=PLATFORM,
    )
    fixed = json.loads(finding.fix.split("\n", 1)[1])
    assert fixed["Condition"] == {
        "StringEquals": {"sts:ExternalId": EXTERNAL_ID},
        "Bool": {"aws:SecureTransport": "true"},
    }


def test_govcloud_fix_uses_the_partition():
    [finding] = lint.lint_trust_policy(
        policy(statement(principal="*", condition=pinned())),
        external_id=EXTERNAL_ID,
        platform_account_id=PLATFORM,
        partition="aws-us-gov",
    )
    assert "arn:aws-us-gov:iam::111111111111:root" in finding.fix
