import pytest

from pamsite.aws.chain import sts_region
from pamsite.aws.clients import platform_sts_client, reset_clients
from pamsite.aws.partitions import console_url, region_in_partition, signin_base_url


@pytest.mark.parametrize(
    ("partition", "region", "url"),
    [
        ("aws", None, "https://signin.aws.amazon.com/federation"),
        ("aws", "eu-west-1", "https://eu-west-1.signin.aws.amazon.com/federation"),
        ("aws-us-gov", None, "https://signin.amazonaws-us-gov.com/federation"),
        ("aws-us-gov", "us-gov-west-1", "https://signin.amazonaws-us-gov.com/federation"),
        ("aws-cn", None, "https://signin.amazonaws.cn/federation"),
        ("aws-cn", "cn-north-1", "https://signin.amazonaws.cn/federation"),
        # A region of another partition is ignored, never glued onto the wrong host.
        ("aws", "cn-north-1", "https://signin.aws.amazon.com/federation"),
        ("aws-us-gov", "eu-west-1", "https://signin.amazonaws-us-gov.com/federation"),
    ],
)
def test_signin_hosts(partition, region, url):
    assert signin_base_url(partition, region) == url


@pytest.mark.parametrize(
    ("partition", "region", "url"),
    [
        ("aws", None, "https://console.aws.amazon.com/console/home"),
        ("aws", "us-west-2", "https://us-west-2.console.aws.amazon.com/console/home?region=us-west-2"),
        ("aws-us-gov", None, "https://console.amazonaws-us-gov.com/console/home"),
        (
            "aws-us-gov",
            "us-gov-east-1",
            "https://us-gov-east-1.console.amazonaws-us-gov.com/console/home?region=us-gov-east-1",
        ),
        ("aws-cn", "cn-northwest-1",
         "https://cn-northwest-1.console.amazonaws.cn/console/home?region=cn-northwest-1"),
        ("aws-cn", "eu-west-1", "https://console.amazonaws.cn/console/home"),
    ],
)  # fmt: skip
def test_console_urls(partition, region, url):
    assert console_url(partition, region) == url


@pytest.mark.parametrize(
    ("partition", "region", "expected"),
    [
        ("aws", "eu-central-1", "eu-central-1"),
        ("aws", None, "us-east-1"),
        ("aws", "us-gov-west-1", "us-east-1"),
        ("aws-us-gov", "eu-central-1", "us-gov-west-1"),
        ("aws-us-gov", "us-gov-east-1", "us-gov-east-1"),
        ("aws-cn", "us-east-1", "cn-north-1"),
    ],
)
def test_sts_region_stays_in_the_role_partition(partition, region, expected):
    assert region_in_partition(partition, region) == expected


@pytest.mark.parametrize(
    ("role_arn", "endpoint"),
    [
        ("arn:aws-us-gov:iam::123456789012:role/R", "https://sts.us-gov-west-1.amazonaws.com"),
        ("arn:aws-cn:iam::123456789012:role/R", "https://sts.cn-north-1.amazonaws.com.cn"),
        ("arn:aws:iam::123456789012:role/R", "https://sts.eu-west-1.amazonaws.com"),
    ],
)
def test_sts_client_endpoint_follows_the_role_partition(monkeypatch, role_arn, endpoint):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    reset_clients()

    client = platform_sts_client(sts_region(role_arn, "eu-west-1"))

    assert client.meta.endpoint_url == endpoint
