"""Validation is queued after commit, survives a broker outage, and can be asked for again."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.models import Account
from accounts.tasks import account_validate_task
from resources.models import Resource
from resources.services import resource_create, resource_revalidate, resource_update
from resources.tasks import resource_validate_task
from resources.validation import BROKER_UNAVAILABLE
from resources.validation import resume as validations_resume
from sessions_audit.models import AuditEvent
from tests.factories import AccountFactory, ResourceFactory, UserFactory

pytestmark = pytest.mark.django_db

ARN = "arn:aws:iam::123456789012:role/PamBridge"
OTHER_ARN = "arn:aws:iam::123456789012:role/PamBridge2"


@pytest.fixture
def queued(monkeypatch):
    """Resource validations sent to the broker (task ids)."""
    sent = []
    monkeypatch.setattr(resource_validate_task, "delay", sent.append)
    return sent


@pytest.fixture
def queued_accounts(monkeypatch):
    sent = []
    monkeypatch.setattr(account_validate_task, "delay", sent.append)
    return sent


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(resource_validate_task, "delay", refuse)


def _create(project, admin_user, **overrides):
    arguments = {"actor": admin_user, "project": project, "name": "prod", "resource_role_arn": ARN}
    return resource_create(**{**arguments, **overrides})


def test_create_queues_validation_only_after_commit(
    project, admin_user, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        resource = _create(project, admin_user)

    assert queued == []
    assert resource.validation_status == Resource.ValidationStatus.PENDING
    for callback in callbacks:
        callback()
    assert queued == [resource.pk]


def test_create_rolled_back_queues_nothing(project, admin_user, queued):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        _create(project, admin_user)
        raise RuntimeError("the surrounding request failed")

    assert queued == []
    assert not Resource.objects.exists()


def test_update_with_a_new_arn_queues_validation(
    project, admin_user, queued, django_capture_on_commit_callbacks
):
    resource = ResourceFactory(
        project=project, resource_role_arn=ARN, validation_status=Resource.ValidationStatus.VALID
    )

    with django_capture_on_commit_callbacks(execute=True):
        resource = resource_update(
            actor=admin_user, resource=resource, name="renamed", resource_role_arn=OTHER_ARN
        )

    assert queued == [resource.pk]
    assert resource.validation_status == Resource.ValidationStatus.PENDING


def test_update_without_arn_change_queues_nothing(
    project, admin_user, queued, django_capture_on_commit_callbacks
):
    resource = ResourceFactory(project=project, resource_role_arn=ARN)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        resource_update(actor=admin_user, resource=resource, name="renamed", resource_role_arn=ARN)

    assert callbacks == []
    assert queued == []


def test_new_arn_sends_the_resources_accounts_back_to_validation(
    project, admin_user, queued, queued_accounts, django_capture_on_commit_callbacks
):
    resource = ResourceFactory(project=project, resource_role_arn=ARN)
    account = AccountFactory(resource=resource, validation_status=Account.ValidationStatus.VALID)

    with django_capture_on_commit_callbacks(execute=True):
        resource_update(actor=admin_user, resource=resource, name="x", resource_role_arn=OTHER_ARN)

    account.refresh_from_db()
    assert queued_accounts == [account.pk]
    assert account.validation_status == Account.ValidationStatus.PENDING


def test_broker_down_still_saves_the_resource_pending_with_a_hint(
    project, admin_user, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        resource = _create(project, admin_user)

    resource.refresh_from_db()
    assert resource.validation_status == Resource.ValidationStatus.PENDING
    assert resource.validation_code == BROKER_UNAVAILABLE
    assert "when the broker is back" in resource.validation_hint


def test_any_queueing_failure_after_commit_still_leaves_a_pending_resource(
    project, admin_user, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    """The row is committed before queueing: whatever queueing raises must not turn the save
    into a 500; the resource waits, pending, for the resume task or "Validate again"."""

    def broken(*args, **kwargs):
        raise KeyError("resources.tasks.resource_validate_task")

    monkeypatch.setattr(resource_validate_task, "delay", broken)
    with django_capture_on_commit_callbacks(execute=True):
        resource = _create(project, admin_user)

    resource.refresh_from_db()
    assert resource.validation_status == Resource.ValidationStatus.PENDING
    assert resource.validation_code == BROKER_UNAVAILABLE
    assert "Could not queue" in caplog.text


def test_resume_requeues_broker_failures_and_stale_pending_once(
    queued, django_capture_on_commit_callbacks
):
    failed = ResourceFactory(validation_code=BROKER_UNAVAILABLE)
    stale = ResourceFactory()
    Resource.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    ResourceFactory()  # pending, just queued
    ResourceFactory(validation_status=Resource.ValidationStatus.INVALID, validation_code="X")

    with django_capture_on_commit_callbacks(execute=True):
        first = validations_resume(model=Resource, task=resource_validate_task)
        second = validations_resume(model=Resource, task=resource_validate_task)

    assert sorted(queued) == sorted([failed.pk, stale.pk])
    assert (first, second) == (2, 0)
    failed.refresh_from_db()
    assert failed.validation_code == ""


def test_revalidate_goes_back_to_pending_audits_and_queues(
    project, admin_user, queued, django_capture_on_commit_callbacks
):
    resource = ResourceFactory(
        project=project,
        validation_status=Resource.ValidationStatus.INVALID,
        validation_code="AccessDenied",
        validation_hint="Check the trust policy.",
    )

    with django_capture_on_commit_callbacks(execute=True):
        resource = resource_revalidate(actor=admin_user, resource=resource)

    assert queued == [resource.pk]
    assert (resource.validation_status, resource.validation_code) == ("pending", "")
    assert AuditEvent.objects.filter(action="resource.revalidate", target=resource.name).exists()


def test_revalidate_is_refused_to_a_member(project, member_user, queued):
    resource = ResourceFactory(project=project)

    with pytest.raises(PermissionDenied):
        resource_revalidate(actor=member_user, resource=resource)

    assert not AuditEvent.objects.filter(action="resource.revalidate").exists()


def test_admin_action_validates_again(client, queued, django_capture_on_commit_callbacks):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    resources = [ResourceFactory(), ResourceFactory()]
    client.force_login(superuser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:resources_resource_changelist"),
            {"action": "validate_again", "_selected_action": [r.pk for r in resources]},
            secure=True,
        )

    assert response.status_code == 302
    assert sorted(queued) == sorted(r.pk for r in resources)


def test_resource_added_in_the_admin_site_is_queued(
    client, project, queued, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:resources_resource_add"),
            {
                "project": project.pk,
                "name": "prod",
                "description": "",
                "resource_role_arn": ARN,
                "accounts-TOTAL_FORMS": "0",
                "accounts-INITIAL_FORMS": "0",
            },
            secure=True,
        )

    assert response.status_code == 302, response.content[:2000]
    assert queued == [Resource.objects.get(name="prod").pk]
