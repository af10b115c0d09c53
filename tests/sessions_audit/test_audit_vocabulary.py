"""Audit events: one list of actions, and changes keep the values they replaced."""

import pytest

from resources.projects import membership_set
from resources.services import resource_update
from sessions_audit.models import AuditAction, AuditEvent
from sessions_audit.services import audit_event_record
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

ARN = "arn:aws:iam::123456789012:role/PamBridgeRenamed"


def test_an_action_outside_the_vocabulary_is_refused():
    with pytest.raises(ValueError, match="AuditAction"):
        audit_event_record(actor=None, action="resource.renamed")
    assert not AuditEvent.objects.exists()


def test_an_origin_other_than_the_app_or_admin_is_refused():
    with pytest.raises(ValueError, match="origin"):
        audit_event_record(actor=None, action=AuditAction.PROJECT_CREATE, via="shell")


def test_resource_update_keeps_the_old_role_arn(resource, admin_user):
    old = resource.resource_role_arn
    resource_update(actor=admin_user, resource=resource, name=resource.name, resource_role_arn=ARN)
    event = AuditEvent.objects.get(action=AuditAction.RESOURCE_UPDATE)
    assert event.detail == {
        "resource_role_arn": ARN,
        "arn_changed": True,
        "old": {"resource_role_arn": old},
        "via": "app",
    }


def test_membership_set_keeps_the_old_role_and_names_the_real_email(project, admin_user):
    person = UserFactory(email="Bob@Example.com")
    MembershipFactory(project=project, user=person, role="auditor")
    membership_set(actor=admin_user, project=project, email=" bob@example.COM ", role="member")
    event = AuditEvent.objects.get(action=AuditAction.MEMBERSHIP_SET)
    assert (event.target, event.detail) == (
        "Bob@Example.com",
        {"role": "member", "old": {"role": "auditor"}, "via": "app"},
    )


def test_a_new_member_had_no_role_before(project, admin_user):
    person = UserFactory()
    membership_set(actor=admin_user, project=project, email=person.email, role="member")
    event = AuditEvent.objects.get(action=AuditAction.MEMBERSHIP_SET)
    assert event.detail == {"role": "member", "old": {"role": None}, "via": "app"}


def test_setting_the_same_role_again_records_no_old_value(project, admin_user, member_user):
    membership_set(actor=admin_user, project=project, email=member_user.email, role="member")
    event = AuditEvent.objects.get(action=AuditAction.MEMBERSHIP_SET)
    assert event.detail == {"role": "member", "via": "app"}
