"""The sandbox's CloudTrail (sandbox.cloudtrail_world): role sessions' calls in moto are kept,
LookupEvents answers from them in AWS's shape, and the product's evidence fetch reads them.

Real HTTP throughout: moto's server in this process, boto3 and the product's own code."""

import json

import boto3
import botocore.config
import botocore.exceptions
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.models import Account
from pamsite.aws import policies, sandbox
from sandbox import cloudtrail_world
from sandbox.services import PROJECT_SLUG, RESOURCE_NAME, operator_keys_from_env, sandbox_seed
from sessions_audit.evidence import session_events_fetch
from sessions_audit.models import AccessSession
from tests.sandbox.conftest import MEMBER_PASSWORD, MOTO_ACCOUNT

pytestmark = pytest.mark.django_db
ROLE = "PamTrailDemo"


@pytest.fixture
def trail(sandbox_aws):
    with cloudtrail_world.recording():
        yield sandbox_aws


def _role_session(endpoint: str, name: str) -> boto3.Session:
    """A session of a role that may list S3 and look CloudTrail up, nothing else."""
    sandbox.role_put(
        name=ROLE,
        trust_policy={
            "Version": policies.VERSION,
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{MOTO_ACCOUNT}:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        },
        permissions_policy={
            "Version": policies.VERSION,
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["s3:ListAllMyBuckets", "cloudtrail:LookupEvents"],
                    "Resource": "*",
                }
            ],
        },
        key=tuple(operator_keys_from_env()["aws"]),
    )
    # A new boto3 session: the default one keeps the keys of an earlier test's platform.
    sts = boto3.Session().client("sts", region_name="us-east-1", endpoint_url=endpoint)
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{MOTO_ACCOUNT}:role/{ROLE}", RoleSessionName=name
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name="us-east-1",
    )


def test_a_role_sessions_calls_come_back_from_lookup_events_as_aws_shapes_them(trail):
    session = _role_session(trail, "alice@example.com")
    session.client("s3", endpoint_url=trail).list_buckets()
    with pytest.raises(botocore.exceptions.ClientError, match="AccessDenied"):
        session.client("iam", endpoint_url=trail).create_user(UserName="mallory")

    reader = _role_session(trail, "pam-reader").client("cloudtrail", endpoint_url=trail)
    found = reader.lookup_events(
        LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "alice@example.com"}]
    )["Events"]

    assert [e["EventName"] for e in found] == ["CreateUser", "ListAllMyBuckets"]  # newest first
    assert [e["ReadOnly"] for e in found] == ["false", "true"]
    denied, listed = (json.loads(e["CloudTrailEvent"]) for e in found)
    arn = f"arn:aws:sts::{MOTO_ACCOUNT}:assumed-role/{ROLE}/alice@example.com"
    assert denied["userIdentity"]["arn"] == listed["userIdentity"]["arn"] == arn
    assert denied["errorCode"] == "AccessDenied" and "errorCode" not in listed
    assert (listed["eventSource"], listed["recipientAccountId"]) == (
        "s3.amazonaws.com",
        MOTO_ACCOUNT,
    )
    # The platform (an IAM user) assumed the role: users' calls are not kept.
    assert all(e["Username"] == "alice@example.com" for e in found)


def test_lookup_events_pages_and_refuses_what_aws_refuses(trail):
    s3 = _role_session(trail, "bob@example.com").client("s3", endpoint_url=trail)
    for _ in range(3):
        s3.list_buckets()
    cloudtrail = _role_session(trail, "pam-reader").client("cloudtrail", endpoint_url=trail)
    by_bob = [{"AttributeKey": "Username", "AttributeValue": "bob@example.com"}]

    first = cloudtrail.lookup_events(LookupAttributes=by_bob, MaxResults=2)
    rest = cloudtrail.lookup_events(
        LookupAttributes=by_bob, MaxResults=2, NextToken=first["NextToken"]
    )

    assert len(first["Events"]) == 2 and len(rest["Events"]) == 1 and "NextToken" not in rest
    assert not cloudtrail.lookup_events(
        LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "nobody"}]
    )["Events"]
    with pytest.raises(botocore.exceptions.ClientError, match="InvalidNextTokenException"):
        cloudtrail.lookup_events(LookupAttributes=by_bob, NextToken="not-a-token")
    with pytest.raises(botocore.exceptions.ClientError, match="InvalidLookupAttributes"):
        cloudtrail.lookup_events(LookupAttributes=[*by_bob, *by_bob])


def test_without_recording_moto_has_no_lookup_events(sandbox_aws):
    session = _role_session(sandbox_aws, "carol@example.com")
    cloudtrail = session.client(
        "cloudtrail",
        endpoint_url=sandbox_aws,
        config=botocore.config.Config(retries={"total_max_attempts": 1}),
    )
    # moto's server raises NotImplementedError for an action it lacks and answers 500.
    with pytest.raises(botocore.exceptions.ClientError, match=r"\(500\)"):
        cloudtrail.lookup_events()


@pytest.mark.urls("tests.sandbox.urls")
def test_what_a_sandbox_console_session_did_reaches_its_page(trail, sandbox_site, client):
    """The newcomer's journey: open ReadOnly, list buckets and try to create a user in the
    sandbox console, and an admin's Fetch now shows both on the session's page, the refused
    one marked."""
    assert client.login(username="member", password=MEMBER_PASSWORD)
    account = Account.objects.get(
        resource__project__slug=PROJECT_SLUG, resource__name=RESOURCE_NAME, name="ReadOnly"
    )
    response = client.post(reverse("accounts:access", args=[PROJECT_SLUG, account.pk]))
    console = client.get(response["Location"]).content.decode()
    assert 'data-testid="try-s3-list"' in console
    session = AccessSession.objects.get()
    act = reverse("sandbox:console_try", args=[session.pk])

    listed = client.post(act, {"action": "s3-list"}, follow=True).content.decode()
    refused = client.post(act, {"action": "iam-create-user"}, follow=True).content.decode()
    client.post(act, {"action": "s3-create"})

    assert "List S3 buckets: 0 S3 bucket(s) in the account." in listed
    assert "Create an IAM user: refused, AccessDenied." in refused
    admin = get_user_model().objects.get(username="admin")
    evidence = session_events_fetch(session=session, actor=admin)
    assert evidence.last_error == ""
    events = {(e.event_name, e.region, e.read_only, e.error_code) for e in session.events.all()}
    assert events == {
        ("ListAllMyBuckets", "eu-west-1", True, ""),  # the Account's console region
        ("CreateUser", "us-east-1", False, "AccessDenied"),  # IAM is global: us-east-1
        ("CreateBucket", "eu-west-1", False, "AccessDenied"),  # S3's refusal, AWS's code
    }
    bucket = session.events.get(event_name="CreateBucket").resources
    assert len(bucket) == 1 and bucket[0].startswith("arn:aws:s3:::sandbox-")
    assert not session.events.get(event_name="ListAllMyBuckets").resources  # "*" names none
    assert session_events_fetch(session=session, actor=admin) and session.events.count() == 3
    client.force_login(admin)
    page = client.get(reverse("sessions_audit:detail", args=[PROJECT_SLUG, session.pk]))
    body = page.content.decode()
    assert "CreateUser" in body and "AccessDenied" in body and "ListAllMyBuckets" in body


@pytest.mark.urls("tests.sandbox.urls")
def test_the_sandbox_console_acts_only_for_its_own_browser_and_session(trail, sandbox_site, client):
    assert client.login(username="member", password=MEMBER_PASSWORD)
    account = Account.objects.get(
        resource__project__slug=PROJECT_SLUG, resource__name=RESOURCE_NAME, name="ReadOnly"
    )
    client.get(client.post(reverse("accounts:access", args=[PROJECT_SLUG, account.pk]))["Location"])
    session = AccessSession.objects.get()
    act = reverse("sandbox:console_try", args=[session.pk])

    unknown = client.post(act, {"action": "iam-delete-everything"}, follow=True)
    assert "Unknown action" in unknown.content.decode()
    other = Client()
    other.force_login(get_user_model().objects.get(username="admin"))
    assert other.post(act, {"action": "s3-list"}).status_code == 404  # not the admin's session
    client.logout()  # the console's credentials go with the browser's sign-in
    assert client.post(act, {"action": "s3-list"}).status_code == 404
    assert not session.events.exists()


def test_validation_finds_console_activity_ready_in_the_sandbox(
    trail, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sandbox_seed(endpoint_url=trail)

    account = Account.objects.get(resource__name=RESOURCE_NAME, name="ReadOnly")
    assert account.validation_status == "valid"
    assert "ConsoleActivityReady" in [w["code"] for w in account.validation_warnings]


def test_the_oldest_events_go_first_past_the_cap(trail, monkeypatch):
    monkeypatch.setattr(cloudtrail_world, "KEPT_MAX", 3)
    session = _role_session(trail, "dave@example.com")
    s3 = session.client("s3", endpoint_url=trail)
    iam = session.client("iam", endpoint_url=trail)
    s3.list_buckets()
    for _ in range(2):
        with pytest.raises(botocore.exceptions.ClientError, match="AccessDenied"):
            iam.list_users()

    reader = _role_session(trail, "pam-reader").client("cloudtrail", endpoint_url=trail)
    found = reader.lookup_events(
        LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "dave@example.com"}]
    )["Events"]

    # Kept in us-east-1: the two ListUsers and the reader's own LookupEvents; ListBuckets went.
    assert [e["EventName"] for e in found] == ["ListUsers", "ListUsers"]
