"""account_validate: the chain to the target role, with the account's duration."""

import uuid

import pytest
from moto.core import enable_iam_authentication

from accounts.models import Account
from accounts.services import account_create, account_revalidate, account_update
from accounts.tasks import account_validate_task
from accounts.validation import account_validate
from pamsite.aws import validation as aws_validation
from pamsite.aws.errors import AwsError
from tests.aws.fixtures import (
    CHAINING,
    assume_role_response,
    build_moto_world,
    sts_stubbers,
)
from tests.factories import AccountFactory, ProjectFactory, ResourceFactory

pytestmark = pytest.mark.django_db

TARGET = "arn:aws:iam::123456789012:role/ReadOnly"


@pytest.fixture
def world_account(aws, monkeypatch):
    project = ProjectFactory()
    world = build_moto_world(monkeypatch, external_id=project.external_id)
    resource = ResourceFactory(project=project, resource_role_arn=world.resource_role_arn)
    return AccountFactory(resource=resource, target_role_arn=world.target_role_arn)


def test_reachable_target_role_is_valid_with_moto_iam_auth(world_account):
    with enable_iam_authentication():
        account = account_validate(account_id=world_account.pk)

    assert account.validation_status == Account.ValidationStatus.VALID
    assert (account.validation_code, account.validation_hint) == ("", "")
    assert account.last_validated_at is not None


def test_target_role_not_trusting_the_resource_role_is_invalid(world_account):
    Account.objects.filter(pk=world_account.pk).update(
        target_role_arn="arn:aws:iam::123456789012:role/DoesNotExist"
    )

    with enable_iam_authentication():
        account = account_validate(account_id=world_account.pk)

    assert account.validation_status == Account.ValidationStatus.INVALID
    assert account.validation_code == "AccessDenied"
    assert "DoesNotExist" in account.validation_hint


@pytest.fixture
def stubs(monkeypatch):
    """Hop 1 answered by a Stubber on the platform client; hop 2 by another."""
    with sts_stubbers(monkeypatch) as (platform, target):
        bridge = "arn:aws:iam::123456789012:role/PamBridge"
        platform.add_response("assume_role", assume_role_response(bridge, "pam-platform"))
        yield target


def test_role_chaining_limit_is_recorded_with_its_code_and_hint(stubs):
    account = AccountFactory(target_role_arn=TARGET, session_duration=3600)
    stubs.add_client_error("assume_role", "ValidationError", CHAINING, http_status_code=400)

    account = account_validate(account_id=account.pk)

    assert account.validation_status == Account.ValidationStatus.INVALID
    assert account.validation_code == "RoleChainingLimit"
    assert "1 hour" in account.validation_hint


def test_hop_2_uses_the_accounts_duration_and_the_validation_session_name(stubs):
    account = AccountFactory(target_role_arn=TARGET, session_duration=1800)
    stubs.add_response(
        "assume_role",
        assume_role_response(TARGET, "pam-validation", 1800),
        expected_params={
            "RoleArn": TARGET,
            "RoleSessionName": "pam-validation",
            "ExternalId": account.resource.project.external_id,
            "DurationSeconds": 1800,
        },
    )

    account = account_validate(account_id=account.pk)

    assert account.validation_status == Account.ValidationStatus.VALID


def test_access_denied_is_not_retried(monkeypatch):
    account = AccountFactory()
    calls = []

    def denied(**kwargs):
        calls.append(kwargs)
        raise AwsError("AccessDenied", "Check the target role's trust policy.")

    monkeypatch.setattr(aws_validation, "target_role_check", denied)

    assert account_validate_task.apply(args=[account.pk]).get() == "invalid"
    assert len(calls) == 1


def test_throttling_is_retried_then_valid(monkeypatch):
    monkeypatch.setitem(account_validate_task.app.conf, "task_always_eager", False)
    account = AccountFactory()
    errors = [AwsError("Throttling", "Slow down.", retryable=True)] * 2

    def flaky(**kwargs):
        if errors:
            raise errors.pop()
        return aws_validation.TargetCheck(assumed_role_arn="x")

    monkeypatch.setattr(aws_validation, "target_role_check", flaky)

    assert account_validate_task.apply(args=[account.pk]).get() == "valid"
    assert errors == []


def test_result_is_discarded_when_the_duration_changed_during_the_check(monkeypatch):
    account = AccountFactory(session_duration=3600)

    def check(**kwargs):
        Account.objects.filter(pk=account.pk).update(session_duration=900)
        return aws_validation.TargetCheck(assumed_role_arn="x")

    monkeypatch.setattr(aws_validation, "target_role_check", check)

    account = account_validate(account_id=account.pk)

    assert account.validation_status == Account.ValidationStatus.PENDING


@pytest.fixture
def queued(monkeypatch):
    sent = []
    monkeypatch.setattr(account_validate_task, "delay", sent.append)
    return sent


def test_create_queues_validation_after_commit(
    resource, admin_user, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        account = account_create(
            actor=admin_user, resource=resource, name="ro", target_role_arn=TARGET,
            session_duration=900,
        )  # fmt: skip
    assert queued == []

    for callback in callbacks:
        callback()

    assert queued == [account.pk]


@pytest.mark.parametrize(
    ("change", "queues"),
    [
        ({"session_duration": 1800}, True),
        ({"target_role_arn": "arn:aws:iam::123456789012:role/Admin"}, True),
        ({"name": "renamed"}, False),
    ],
)
def test_update_queues_validation_only_when_the_chain_changes(
    account, admin_user, queued, django_capture_on_commit_callbacks, change, queues
):
    arguments = {
        "name": account.name,
        "target_role_arn": account.target_role_arn,
        "session_duration": account.session_duration,
        **change,
    }

    with django_capture_on_commit_callbacks(execute=True):
        account_update(actor=admin_user, account=account, **arguments)

    assert queued == ([account.pk] if queues else [])


def test_revalidate_queues_and_sets_pending(
    account, admin_user, queued, django_capture_on_commit_callbacks
):
    Account.objects.filter(pk=account.pk).update(validation_status="invalid")

    with django_capture_on_commit_callbacks(execute=True):
        account = account_revalidate(actor=admin_user, account=account)

    assert account.validation_status == Account.ValidationStatus.PENDING
    assert queued == [account.pk]


def test_deleted_account_is_skipped():
    assert account_validate(account_id=uuid.uuid4().int % 10**6 + 10**6) is None
