"""The baseline: the Access flow written the way AWS's documentation sample does it.

The sample in the IAM user guide ("Enable custom identity broker access to the AWS console")
makes a fresh boto3 client for each STS call and fetches the sign-in token with
``requests.get`` and the credentials in the query string. For role chaining that is a new
boto3.Session per hop: 3 round trips, every one of them on new objects.

It replaces ``accounts.access.open_console`` for the baseline clicks, so both sides of the
ratio are the same Django request, session row and redirect; only the AWS part differs.
"""

import json
from urllib.parse import urlencode

import boto3
from django.conf import settings

from pamsite.aws.chain import PLATFORM_SESSION_NAME, AssumedRole, _credentials
from pamsite.aws.partitions import console_url

try:  # the sample uses requests (installed with moto); httpx.get is the same shape
    from requests import get as http_get
except ImportError:  # pragma: no cover
    from httpx import get as http_get


def _sts(**credentials):
    # A new boto3.Session is a new botocore session: the sample's cost, on every hop.
    return boto3.Session(region_name=settings.AWS_REGION, **credentials).client("sts")


def open_console(*, account, resource, session_name, **options):
    # The AWS sample opens the console home: our page and sign-out options are not in it.
    external_id = resource.project.external_id
    bridge = _sts().assume_role(
        RoleArn=resource.resource_role_arn,
        RoleSessionName=PLATFORM_SESSION_NAME,
        ExternalId=external_id,
        DurationSeconds=3600,
    )["Credentials"]
    response = _sts(
        aws_access_key_id=bridge["AccessKeyId"],
        aws_secret_access_key=bridge["SecretAccessKey"],
        aws_session_token=bridge["SessionToken"],
    ).assume_role(
        RoleArn=account.target_role_arn,
        RoleSessionName=session_name,
        ExternalId=external_id,
        DurationSeconds=account.session_duration,
    )
    target = response["Credentials"]
    url = settings.PAM_FEDERATION_ENDPOINT
    session_json = json.dumps(
        {
            "sessionId": target["AccessKeyId"],
            "sessionKey": target["SecretAccessKey"],
            "sessionToken": target["SessionToken"],
        }
    )
    token = http_get(
        url + "?" + urlencode({"Action": "getSigninToken", "Session": session_json}), timeout=5
    ).json()["SigninToken"]
    login = (
        url
        + "?"
        + urlencode(
            {
                "Action": "login",
                "Issuer": settings.PAM_ISSUER_URL,
                "Destination": console_url("aws"),
                "SigninToken": token,
            }
        )
    )
    assumed = AssumedRole(
        credentials=_credentials(response),
        assumed_role_arn=response["AssumedRoleUser"]["Arn"],
        assumed_role_id=response["AssumedRoleUser"]["AssumedRoleId"],
    )
    return assumed, login
