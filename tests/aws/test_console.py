"""Console pages and regions per partition, and the sign-out wrapper (pamsite.aws.console)."""

from urllib.parse import parse_qs, urlsplit

import pytest

from pamsite.aws import console
from pamsite.aws.console import InvalidConsolePage


@pytest.mark.parametrize(
    ("region", "partition"),
    [("eu-west-1", "aws"), ("us-gov-east-1", "aws-us-gov"), ("cn-northwest-1", "aws-cn")],
)
def test_a_region_of_the_partition_is_accepted(region, partition):
    assert console.check_region(f" {region.upper()} ", partition) == region


@pytest.mark.parametrize(
    ("region", "partition", "message"),
    [
        ("us-gov-west-1", "aws", "not a region of the aws partition"),
        ("eu-west-1", "aws-us-gov", "such as us-gov-west-1"),
        ("eu-west-1", "aws-cn", "such as cn-north-1"),
        ("Ireland", "aws", "is not an AWS region name: write it like us-east-1"),
        ("eu-west-1; drop", "aws", "is not an AWS region name"),
    ],
)
def test_a_region_elsewhere_or_misspelt_says_why(region, partition, message):
    with pytest.raises(InvalidConsolePage, match=message):
        console.check_region(region, partition)


@pytest.mark.parametrize(
    ("page", "partition"),
    [
        ("/s3/home", "aws"),
        ("/cloudwatch/home#dashboards", "aws"),
        ("https://console.aws.amazon.com/ec2/home", "aws"),
        ("https://s3.console.aws.amazon.com/s3/buckets", "aws"),
        ("https://eu-west-1.console.aws.amazon.com/lambda/home?region=eu-west-1", "aws"),
        ("https://console.amazonaws-us-gov.com/iam/home", "aws-us-gov"),
        ("https://console.amazonaws.cn/s3/home", "aws-cn"),
    ],
)
def test_console_pages_of_the_partition_are_accepted(page, partition):
    assert console.check_page(page, partition) == page


@pytest.mark.parametrize(
    ("page", "partition", "message"),
    [
        ("http://console.aws.amazon.com/s3/home", "aws", "starting with https://console.aws"),
        ("https://evil.example/console.aws.amazon.com", "aws", "is not on console.aws.amazon.com"),
        ("https://console.aws.amazon.com.evil.example/", "aws", "is not on console.aws"),
        ("https://console.aws.amazon.com/s3/home", "aws-us-gov", "console.amazonaws-us-gov.com"),
        ("https://user@console.aws.amazon.com/", "aws", "no user name, password or port"),
        ("https://console.aws.amazon.com:8443/", "aws", "no user name, password or port"),
        ("//evil.example/s3", "aws", "Start a path with one slash"),
        ("javascript:alert(1)", "aws", "Give a path such as /s3/home"),
        ("/s3/home extra", "aws", "cannot contain spaces"),
        ("s3", "aws", "Give a path such as /s3/home"),
    ],
)
def test_pages_off_the_partitions_console_are_refused_with_why(page, partition, message):
    with pytest.raises(InvalidConsolePage, match=message):
        console.check_page(page, partition)


def test_other_pages_are_one_per_line_with_an_optional_label():
    pages = console.parse_pages(
        "CloudWatch | /cloudwatch/home\n\n  /s3/home  \nBilling|https://console.aws.amazon.com/billing/",
        "aws",
    )
    assert [(p.label, p.page) for p in pages] == [
        ("CloudWatch", "/cloudwatch/home"),
        ("s3", "/s3/home"),
        ("Billing", "https://console.aws.amazon.com/billing/"),
    ]


def test_a_bad_line_is_named():
    with pytest.raises(InvalidConsolePage, match="Line 2: .*is not on console.aws.amazon.com"):
        console.parse_pages("/s3/home\nX | https://example.com/", "aws")


@pytest.mark.parametrize(
    ("region", "page", "expected"),
    [
        (None, "", "https://console.aws.amazon.com/console/home"),
        ("eu-west-1", "", "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"),
        (
            "eu-west-1",
            "/s3/home",
            "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1",
        ),
        (None, "/s3/home", "https://console.aws.amazon.com/s3/home"),
        (
            "eu-west-1",
            "https://console.aws.amazon.com/ec2/home?region=us-east-2#Instances",
            "https://console.aws.amazon.com/ec2/home?region=us-east-2#Instances",
        ),
        (
            "us-gov-west-1",
            "/s3/home",
            "https://console.aws.amazon.com/s3/home",
        ),  # not this partition
    ],
)
def test_the_destination_follows_the_region_and_page(region, page, expected):
    assert console.destination_url("aws", region, page) == expected


def test_sign_out_first_wraps_the_login_in_the_partitions_sign_out_url():
    login = "https://eu-west-1.signin.aws.amazon.com/federation?Action=login&SigninToken=t&Destination=x"
    wrapped = console.sign_out_first(login, "https://eu-west-1.signin.aws.amazon.com/federation")
    parts = urlsplit(wrapped)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "eu-west-1.signin.aws.amazon.com",
        "/oauth",
    )
    assert parse_qs(parts.query) == {"Action": ["logout"], "redirect_uri": [login]}
    gov = console.sign_out_first("L", "https://signin.amazonaws-us-gov.com/federation")
    assert gov.startswith("https://signin.amazonaws-us-gov.com/oauth?Action=logout&redirect_uri=L")
