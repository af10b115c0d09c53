"""resource_validate_task: retries with backoff on throttling and timeouts, none on AccessDenied."""

import botocore.exceptions
import celery.utils.time
import pytest

from pamsite.aws import clients
from pamsite.aws import validation as aws_validation
from pamsite.aws.errors import AwsError, Fault
from resources.models import Resource
from resources.tasks import resource_validate_task, resources_validation_resume_task
from tests.factories import ResourceFactory

pytestmark = pytest.mark.django_db

THROTTLED = AwsError(
    "Throttling", "AWS throttled the request.", retryable=True, fault=Fault.THROTTLED
)
DENIED = AwsError("AccessDenied", "Check the trust policy.")


class FlakyCheck:
    """Fails with `errors` in turn, then succeeds."""

    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = 0

    def __call__(self, **kwargs):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return aws_validation.ResourceCheck(assumed_role_arn="arn:aws:sts::1:assumed-role/B/p")


@pytest.fixture
def countdowns(monkeypatch):
    """The countdown of every retry the task schedules, as with a broker (tests have none:
    REDIS_URL is unset); jitter pinned to its maximum."""
    monkeypatch.setitem(resource_validate_task.app.conf, "task_always_eager", False)
    monkeypatch.setattr(celery.utils.time.random, "randrange", lambda stop: stop - 1)
    seen = []
    original = resource_validate_task.retry

    def spy(*args, **kwargs):
        seen.append(kwargs.get("countdown"))
        return original(*args, **kwargs)

    monkeypatch.setattr(resource_validate_task, "retry", spy)
    return seen


def test_throttling_is_retried_with_exponential_backoff_then_valid(monkeypatch, countdowns):
    resource = ResourceFactory()
    check = FlakyCheck(THROTTLED, THROTTLED, THROTTLED)
    monkeypatch.setattr(aws_validation, "resource_role_check", check)

    result = resource_validate_task.apply(args=[resource.pk])

    assert result.get() == "valid"
    assert check.calls == 4
    assert countdowns == [5, 10, 20]


def test_backoff_is_capped(monkeypatch, countdowns):
    resource = ResourceFactory()
    monkeypatch.setattr(aws_validation, "resource_role_check", FlakyCheck(*[THROTTLED] * 5))

    resource_validate_task.apply(args=[resource.pk])

    assert countdowns == [5, 10, 20, 40, 80]
    assert max(countdowns) <= resource_validate_task.retry_backoff_max


def test_read_timeout_from_botocore_is_retried(monkeypatch, countdowns):
    resource = ResourceFactory()

    calls = []

    class TimingOut:
        def assume_role(self, **kwargs):
            calls.append(kwargs["RoleArn"])
            error = (
                botocore.exceptions.ReadTimeoutError
                if len(calls) == 1
                else botocore.exceptions.ConnectTimeoutError
            )
            raise error(endpoint_url="https://sts.amazonaws.com")

    monkeypatch.setattr(clients, "platform_sts_client", lambda region: TimingOut())

    monkeypatch.setattr(resource_validate_task, "max_retries", 1)

    resource_validate_task.apply(args=[resource.pk])

    resource.refresh_from_db()
    assert len(calls) == 2 and len(countdowns) == 1
    assert resource.validation_status == Resource.ValidationStatus.INVALID
    assert resource.validation_code == "Timeout"


def test_throttling_past_the_last_retry_is_recorded_invalid(monkeypatch, countdowns):
    resource = ResourceFactory()
    check = FlakyCheck(*[THROTTLED] * 10)
    monkeypatch.setattr(aws_validation, "resource_role_check", check)

    result = resource_validate_task.apply(args=[resource.pk])

    resource.refresh_from_db()
    assert result.get() == "invalid"
    assert check.calls == resource_validate_task.max_retries + 1
    assert resource.validation_code == "Throttling"


def test_access_denied_is_not_retried(monkeypatch, countdowns):
    resource = ResourceFactory()
    check = FlakyCheck(DENIED)
    monkeypatch.setattr(aws_validation, "resource_role_check", check)

    result = resource_validate_task.apply(args=[resource.pk])

    resource.refresh_from_db()
    assert result.get() == "invalid"
    assert check.calls == 1
    assert countdowns == []
    assert resource.validation_code == "AccessDenied"


def test_task_for_a_deleted_resource_does_nothing():
    assert resource_validate_task.apply(args=[424242]).get() is None


def test_task_is_json_serializable_with_an_id_only(monkeypatch):
    sent = []
    monkeypatch.setattr(resource_validate_task, "apply_async", lambda *a, **k: sent.append(a))
    resource_validate_task.delay(7)
    assert sent == [((7,), {})]


def test_resume_task_requeues_only_broker_failures(monkeypatch, django_capture_on_commit_callbacks):
    stuck = ResourceFactory(validation_code="BrokerUnavailable")
    ResourceFactory(validation_status=Resource.ValidationStatus.VALID)
    ResourceFactory()  # pending, queued a moment ago
    queued = []
    monkeypatch.setattr(resource_validate_task, "delay", queued.append)

    with django_capture_on_commit_callbacks(execute=True):
        count = resources_validation_resume_task.apply().get()

    assert count == 1
    assert queued == [stuck.pk]


def test_without_a_broker_a_transient_failure_is_recorded_at_once(monkeypatch):
    # No REDIS_URL: tasks run inside the web request, where retrying would hold it for minutes.
    monkeypatch.setitem(resource_validate_task.app.conf, "task_always_eager", True)
    resource = ResourceFactory()
    check = FlakyCheck(THROTTLED)
    monkeypatch.setattr(aws_validation, "resource_role_check", check)

    assert resource_validate_task.apply(args=[resource.pk]).get() == "invalid"
    assert check.calls == 1
