"""resource_validate: the Resource Role checked against AWS (moto, or stubbed faults)."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import Stubber
from moto.core import enable_iam_authentication

from pamsite.aws import clients
from pamsite.aws import validation as aws_validation
from pamsite.aws.errors import AwsError, Fault
from pamsite.aws.policies import resource_role_trust_policy
from resources.models import Resource
from resources.validation import resource_validate
from tests.aws.fixtures import MOTO_ACCOUNT, build_moto_world, reset_aws_state
from tests.factories import ProjectFactory, ResourceFactory

pytestmark = pytest.mark.django_db

BRIDGE = f"arn:aws:iam::{MOTO_ACCOUNT}:role/PamBridge"


@pytest.fixture
def platform_is_moto_account(settings):
    settings.PAM_PLATFORM_ACCOUNT_ID = MOTO_ACCOUNT


def create_bridge(trust: dict, *, may_read_itself: bool = True) -> None:
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_role(RoleName="PamBridge", AssumeRolePolicyDocument=json.dumps(trust))
    if may_read_itself:
        iam.put_role_policy(
            RoleName="PamBridge",
            PolicyName="read-itself",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "iam:GetRole", "Resource": BRIDGE}],
                }
            ),
        )


def test_assumable_role_with_a_good_trust_policy_is_valid(aws, platform_is_moto_account):
    resource = ResourceFactory(resource_role_arn=BRIDGE)
    create_bridge(
        resource_role_trust_policy(
            platform_account_id=MOTO_ACCOUNT, external_id=resource.project.external_id
        )
    )

    resource = resource_validate(resource_id=resource.pk)

    assert resource.validation_status == Resource.ValidationStatus.VALID
    assert (resource.validation_code, resource.validation_hint) == ("", "")
    assert resource.validation_warnings == []
    assert resource.last_validated_at is not None


def test_trust_policy_without_external_id_is_valid_with_a_warning_and_the_fix(
    aws,
    platform_is_moto_account,
):
    resource = ResourceFactory(resource_role_arn=BRIDGE)
    trust = resource_role_trust_policy(platform_account_id=MOTO_ACCOUNT, external_id="x")
    del trust["Statement"][0]["Condition"]
    create_bridge(trust)

    resource = resource_validate(resource_id=resource.pk)

    assert resource.validation_status == Resource.ValidationStatus.VALID
    [warning] = resource.validation_warnings
    assert (warning["code"], warning["level"]) == ("ExternalIdMissing", "warning")
    assert resource.project.external_id in warning["fix"]


def test_trust_policy_with_wildcard_principal_is_warned(aws, platform_is_moto_account):
    resource = ResourceFactory(resource_role_arn=BRIDGE)
    trust = resource_role_trust_policy(
        platform_account_id=MOTO_ACCOUNT, external_id=resource.project.external_id
    )
    trust["Statement"][0]["Principal"] = {"AWS": "*"}
    create_bridge(trust)

    resource = resource_validate(resource_id=resource.pk)

    assert [w["code"] for w in resource.validation_warnings] == ["PrincipalWildcard"]
    assert f"arn:aws:iam::{MOTO_ACCOUNT}:root" in resource.validation_warnings[0]["fix"]


def test_wrong_external_id_is_refused_by_moto_iam_auth(aws, monkeypatch, platform_is_moto_account):
    world = build_moto_world(monkeypatch, external_id=str(uuid.uuid4()))
    resource = ResourceFactory(resource_role_arn=world.resource_role_arn)  # another project's id

    with enable_iam_authentication():
        resource = resource_validate(resource_id=resource.pk)

    assert resource.validation_status == Resource.ValidationStatus.INVALID
    assert resource.validation_code == "AccessDenied"
    assert resource.project.external_id in resource.validation_hint


def test_role_that_may_not_read_itself_skips_lint_with_a_note(
    aws,
    monkeypatch,
    platform_is_moto_account,
):
    project = ProjectFactory()
    # The world's Resource Role may assume targets but has no iam:GetRole on itself.
    world = build_moto_world(monkeypatch, external_id=project.external_id)
    resource = ResourceFactory(project=project, resource_role_arn=world.resource_role_arn)

    with enable_iam_authentication():
        resource = resource_validate(resource_id=resource.pk)

    assert resource.validation_status == Resource.ValidationStatus.VALID
    [note] = resource.validation_warnings
    assert (note["code"], note["level"]) == ("TrustPolicyNotChecked", "note")
    assert "iam:GetRole" in note["message"]


@pytest.fixture
def platform_stub():
    reset_aws_state()
    stub = Stubber(clients.platform_sts_client("us-east-1"))
    with stub:
        yield stub
    reset_aws_state()


def test_access_denied_records_invalid_with_the_aws_code_and_a_hint(platform_stub):
    resource = ResourceFactory(resource_role_arn=BRIDGE)
    platform_stub.add_client_error(
        "assume_role",
        "AccessDenied",
        "User: arn:aws:iam::111111111111:user/pam-platform is not authorized to perform: "
        f"sts:AssumeRole on resource: {BRIDGE}",
        http_status_code=403,
    )

    resource = resource_validate(resource_id=resource.pk)

    assert resource.validation_status == Resource.ValidationStatus.INVALID
    assert resource.validation_code == "AccessDenied"
    assert "trust policy" in resource.validation_hint
    assert resource.last_validated_at is not None


def _raise(error):
    def check(**kwargs):
        raise error

    return check


THROTTLED = AwsError(
    "Throttling", "AWS throttled the request.", retryable=True, fault=Fault.THROTTLED
)


def test_transient_failure_before_the_last_attempt_stays_pending_and_raises(monkeypatch):
    resource = ResourceFactory()
    monkeypatch.setattr(aws_validation, "resource_role_check", _raise(THROTTLED))

    with pytest.raises(AwsError):
        resource_validate(resource_id=resource.pk, final_attempt=False)

    resource.refresh_from_db()
    assert resource.validation_status == Resource.ValidationStatus.PENDING
    assert resource.validation_code == "Throttling"
    assert "Retrying" in resource.validation_hint
    assert resource.last_validated_at is None


def test_transient_failure_on_the_last_attempt_is_recorded_invalid(monkeypatch):
    resource = ResourceFactory()
    monkeypatch.setattr(aws_validation, "resource_role_check", _raise(THROTTLED))

    resource = resource_validate(resource_id=resource.pk, final_attempt=True)

    assert resource.validation_status == Resource.ValidationStatus.INVALID
    assert resource.validation_code == "Throttling"


def test_result_is_discarded_when_the_arn_changed_during_the_check(monkeypatch):
    resource = ResourceFactory()

    def check(**kwargs):
        Resource.objects.filter(pk=resource.pk).update(
            resource_role_arn="arn:aws:iam::123456789012:role/Other"
        )
        return aws_validation.ResourceCheck(assumed_role_arn="x")

    monkeypatch.setattr(aws_validation, "resource_role_check", check)

    resource = resource_validate(resource_id=resource.pk)

    assert resource.validation_status == Resource.ValidationStatus.PENDING
    assert resource.last_validated_at is None


def test_unexpected_error_is_recorded_not_left_pending(monkeypatch):
    resource = ResourceFactory()
    monkeypatch.setattr(aws_validation, "resource_role_check", _raise(KeyError("Credentials")))

    resource = resource_validate(resource_id=resource.pk)

    assert resource.validation_status == Resource.ValidationStatus.INVALID
    assert resource.validation_code == "InternalError"


def test_deleted_resource_is_skipped():
    assert resource_validate(resource_id=987654) is None


def test_validation_does_not_touch_updated_at(monkeypatch):
    resource = ResourceFactory()
    before = resource.updated_at
    monkeypatch.setattr(
        aws_validation, "resource_role_check", lambda **kw: aws_validation.ResourceCheck("x")
    )

    resource = resource_validate(resource_id=resource.pk)

    assert resource.updated_at == before
    assert resource.last_validated_at > before - timedelta(seconds=1)
    assert resource.last_validated_at <= datetime.now(UTC)
