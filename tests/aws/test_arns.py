import pytest

from pamsite.aws.arns import InvalidRoleArn, parse_role_arn

GOOD = [
    ("arn:aws:iam::123456789012:role/PamBridge", "aws", "/", "PamBridge"),
    ("arn:aws-us-gov:iam::123456789012:role/Gov", "aws-us-gov", "/", "Gov"),
    ("arn:aws-cn:iam::123456789012:role/China", "aws-cn", "/", "China"),
    ("arn:aws:iam::123456789012:role/team/infra/ReadOnly", "aws", "/team/infra/", "ReadOnly"),
    ("  arn:aws:iam::123456789012:role/Trim \n", "aws", "/", "Trim"),
    ("arn:aws:iam::123456789012:role/a+b=c,d.e@f_g-h", "aws", "/", "a+b=c,d.e@f_g-h"),
    ("arn:aws:iam::123456789012:role/" + "r" * 64, "aws", "/", "r" * 64),
    ("arn:aws:iam::123456789012:role/" + "p" * 510 + "/x", "aws", "/" + "p" * 510 + "/", "x"),
    ("arn:aws:iam::123456789012:role/a!b#~/x", "aws", "/a!b#~/", "x"),
]


@pytest.mark.parametrize(("text", "partition", "path", "name"), GOOD)
def test_parses_role_arns(text, partition, path, name):
    arn = parse_role_arn(text)
    assert (arn.partition, arn.account_id, arn.path, arn.name) == (
        partition,
        "123456789012",
        path,
        name,
    )
    assert str(arn) == text.strip()


BAD = [
    ("", "Enter a role ARN"),
    ("PamBridge", "not an ARN"),
    ("arn:aws:iam::123456789012:user/alice", "IAM user ARN"),
    ("arn:aws:iam::aws:policy/ReadOnlyAccess", "12 digits"),
    ("arn:aws:iam::123456789012:policy/MyPolicy", "IAM policy ARN"),
    ("arn:aws:iam::123456789012:group/admins", "IAM group ARN"),
    ("arn:aws:iam::123456789012:root", "account root ARN"),
    ("arn:aws:s3:::my-bucket", "S3 ARN"),
    ("arn:aws:lambda:us-east-1:123456789012:function:f", "Lambda ARN"),
    ("arn:aws:sts::123456789012:assumed-role/Admin/alice", "assumed-role session ARN"),
    ("arn:aws:iam::12345678901:role/Short", "exactly 12 digits"),
    ("arn:aws:iam::1234567890123:role/Long", "exactly 12 digits"),
    ("arn:aws:iam::12345678901a:role/Alpha", "exactly 12 digits"),
    ("arn:azure:iam::123456789012:role/X", "Unknown partition"),
    ("arn:aws:iam:us-east-1:123456789012:role/X", "no region"),
    ("arn:aws:iam::123456789012:role/", "role name is missing"),
    ("arn:aws:iam::123456789012:role/" + "r" * 65, "1 to 64"),
    ("arn:aws:iam::123456789012:role/has space", "1 to 64"),
    ("arn:aws:iam::123456789012:role/<script>", "1 to 64"),
    ("arn:aws:iam::123456789012:role/path with space/Name", "role path"),
    ("arn:aws:iam::123456789012:role/" + "p/" * 300 + "Name", "role path"),
    ("arn:aws:iam::123456789012:role/" + "x" * 3000, "at most 2048"),
    ("arn:aws:iam::123456789012:role/Ünïcode", "1 to 64"),
    ("arn:aws:iam::123456789012:role/*", "IAM wildcards are not allowed here: name one role"),
    ("arn:aws:iam::123456789012:role/*/x", "IAM wildcards"),
    ("arn:aws:iam::123456789012:role/a?/x", "IAM wildcards"),
    ("arn:aws:iam::123456789012:role/Admin*", "IAM wildcards"),
    ("arn:aws:iam::123456789012:role//x", "empty segment"),
    ("arn:aws:iam::123456789012:role/a//x", "empty segment"),
    ("arn:aws:iam::123456789012:role/" + "p" * 511 + "/x", "at most 512"),
]


@pytest.mark.parametrize(("text", "fragment"), BAD)
def test_refuses_what_is_not_a_role_arn_and_says_what_was_expected(text, fragment):
    with pytest.raises(InvalidRoleArn, match=fragment) as excinfo:
        parse_role_arn(text)
    assert "arn:" in str(excinfo.value)  # every message shows an example or the fix
