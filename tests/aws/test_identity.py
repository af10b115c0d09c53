import pytest
from botocore.stub import Stubber

from pamsite.aws import clients
from pamsite.aws.errors import AwsError
from pamsite.aws.identity import platform_account_id
from tests.aws.fixtures import reset_aws_state


def test_configured_account_id_wins_without_asking_aws():
    reset_aws_state()
    with Stubber(clients.platform_sts_client("us-east-1")) as stub:
        assert platform_account_id(configured="222222222222") == "222222222222"
        stub.assert_no_pending_responses()


def test_configured_account_id_must_be_twelve_digits():
    with pytest.raises(ValueError, match="12 digits"):
        platform_account_id(configured="12345")


def test_account_id_is_discovered_with_get_caller_identity(aws):
    assert platform_account_id() == "123456789012"


def test_discovered_account_id_is_asked_once_per_process():
    reset_aws_state()
    identity = {"UserId": "AIDAEXAMPLE", "Account": "333333333333",
                "Arn": "arn:aws:iam::333333333333:user/pam"}  # fmt: skip
    with Stubber(clients.platform_sts_client("us-east-1")) as stub:
        stub.add_response("get_caller_identity", identity)
        first = platform_account_id()
        second = platform_account_id()
    assert first == second == "333333333333"
    reset_aws_state()


def test_refused_platform_credentials_raise_an_aws_error():
    reset_aws_state()
    with Stubber(clients.platform_sts_client("us-east-1")) as stub:
        stub.add_client_error(
            "get_caller_identity",
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
            http_status_code=403,
        )
        with pytest.raises(AwsError) as caught:
            platform_account_id()
    assert caught.value.code == "InvalidClientTokenId"
    reset_aws_state()
