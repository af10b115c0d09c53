import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from accounts.models import Account
from accounts.services import account_create, account_update
from resources.models import Membership, Project, Resource
from resources.projects import membership_set, project_create
from resources.services import resource_create, resource_update
from sessions_audit.models import AuditEvent
from tests.factories import (
    AccessSessionFactory,
    AccountFactory,
    MembershipFactory,
    ProjectFactory,
    ResourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ARN = "arn:aws:iam::123456789012:role/PamBridge"


def test_project_id_is_a_uuid_used_as_external_id():
    project = project_create(name="Payments", owner=UserFactory(is_staff=True))
    assert project.external_id == str(project.pk)
    assert len(project.external_id) == 36
    assert project.slug == "payments"


def test_project_create_makes_the_owner_admin_and_audits_it():
    owner = UserFactory(is_staff=True)
    project = project_create(name="Payments", owner=owner)
    assert Membership.objects.get(project=project, user=owner).role == "admin"
    assert AuditEvent.objects.filter(project=project, action="project.create").count() == 1


def test_project_create_is_refused_to_anyone_but_platform_admins():
    with pytest.raises(PermissionDenied, match="Only platform admins create projects"):
        project_create(name="Payments", owner=UserFactory())
    assert not Project.objects.exists() and not AuditEvent.objects.exists()


def test_a_platform_admin_may_create_a_project_for_someone_else():
    staff, owner = UserFactory(is_staff=True), UserFactory()
    project = project_create(name="Payments", owner=owner, actor=staff)
    assert Membership.objects.get(project=project).user == owner
    assert AuditEvent.objects.get(action="project.create").actor == staff


def test_one_membership_per_user_and_project(project):
    user = UserFactory()
    MembershipFactory(user=user, project=project)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, project=project, role="auditor")


def test_resource_create_trims_and_saves(project, admin_user):
    resource = resource_create(
        actor=admin_user, project=project, name="  prod  ", resource_role_arn=f"  {ARN}  "
    )
    assert (resource.name, resource.resource_role_arn) == ("prod", ARN)
    assert resource.validation_status == Resource.ValidationStatus.PENDING
    assert resource.created_by == admin_user


@pytest.mark.parametrize(
    ("arn", "message"),
    [
        ("arn:aws:iam::123456789012:user/alice", "IAM user ARN"),
        ("arn:aws:iam::123456789012:policy/P", "IAM policy ARN"),
        ("arn:aws:s3:::bucket", "S3 ARN"),
    ],
)
def test_resource_create_refuses_bad_arns_and_saves_nothing(project, admin_user, arn, message):
    with pytest.raises(ValidationError) as excinfo:
        resource_create(actor=admin_user, project=project, name="prod", resource_role_arn=arn)
    assert message in str(excinfo.value.message_dict["resource_role_arn"])
    assert not Resource.objects.exists()
    assert not AuditEvent.objects.filter(action="resource.create").exists()


def test_resource_names_are_unique_within_a_project(project, admin_user):
    resource_create(actor=admin_user, project=project, name="prod", resource_role_arn=ARN)
    with pytest.raises(ValidationError, match="already exists"):
        resource_create(
            actor=admin_user, project=project, name="prod", resource_role_arn=ARN + "Two"
        )
    other = ProjectFactory()
    ResourceFactory(project=other, name="prod")  # another project may reuse the name
    assert Resource.objects.filter(name="prod").count() == 2


def test_a_role_arn_is_one_resource_per_project_whatever_its_case(project, admin_user):
    first = resource_create(actor=admin_user, project=project, name="prod", resource_role_arn=ARN)
    with pytest.raises(ValidationError, match=f"Resource {first.name} already uses") as refused:
        resource_create(
            actor=admin_user, project=project, name="prod-2", resource_role_arn=ARN.lower()
        )
    assert list(refused.value.error_dict) == ["resource_role_arn"]


def test_the_database_refuses_a_second_resource_with_the_same_role_arn(project):
    ResourceFactory(project=project, resource_role_arn=ARN)
    with pytest.raises(IntegrityError), transaction.atomic():
        ResourceFactory(project=project, resource_role_arn=ARN)


@pytest.mark.parametrize("role", ["member", "auditor"])
def test_only_admins_create_resources(project, role):
    user = MembershipFactory(project=project, role=role).user
    with pytest.raises(PermissionDenied):
        resource_create(actor=user, project=project, name="x", resource_role_arn=ARN)
    assert not Resource.objects.exists()


def test_non_member_cannot_create_resources(project):
    with pytest.raises(PermissionDenied):
        resource_create(actor=UserFactory(), project=project, name="x", resource_role_arn=ARN)


def test_resource_update_with_new_arn_goes_back_to_pending(resource, admin_membership):
    Resource.objects.filter(pk=resource.pk).update(validation_status="valid")
    resource.refresh_from_db()
    updated = resource_update(
        actor=admin_membership.user,
        resource=resource,
        name=resource.name,
        resource_role_arn="arn:aws:iam::123456789012:role/Other",
    )
    assert updated.validation_status == "pending"


def test_account_create_and_duration_bounds(resource, admin_membership):
    account = account_create(
        actor=admin_membership.user,
        resource=resource,
        name="ReadOnly",
        target_role_arn="arn:aws:iam::123456789012:role/ReadOnly",
        session_duration=900,
    )
    assert account.session_duration_display == "15m"
    for bad in (899, 3601, 7200):
        with pytest.raises(ValidationError) as excinfo:
            account_create(
                actor=admin_membership.user,
                resource=resource,
                name=f"bad-{bad}",
                target_role_arn="arn:aws:iam::123456789012:role/ReadOnly",
                session_duration=bad,
            )
        assert "session_duration" in excinfo.value.message_dict
    assert Account.objects.count() == 1


def test_account_duration_over_an_hour_is_refused_by_the_database_too(resource):
    with pytest.raises(IntegrityError), transaction.atomic():
        AccountFactory(resource=resource, session_duration=7200)


def test_account_names_unique_within_resource(resource, admin_membership):
    kwargs = dict(
        actor=admin_membership.user,
        resource=resource,
        target_role_arn="arn:aws:iam::123456789012:role/ReadOnly",
        session_duration=3600,
    )
    account_create(name="ReadOnly", **kwargs)
    with pytest.raises(ValidationError, match="already exists"):
        account_create(name="ReadOnly", **kwargs)


def test_account_update_changes_role(account, project):
    admin = MembershipFactory(project=project, role="admin").user
    updated = account_update(
        actor=admin,
        account=account,
        name="renamed",
        target_role_arn="arn:aws:iam::123456789012:role/Other",
        session_duration=1800,
    )
    assert (updated.name, updated.session_duration) == ("renamed", 1800)


def test_resource_and_account_with_sessions_cannot_be_deleted(account):
    AccessSessionFactory(account=account)
    with pytest.raises(ProtectedError):
        account.delete()
    with pytest.raises(ProtectedError):
        account.resource.delete()
    assert Account.objects.filter(pk=account.pk).exists()


def test_resource_without_sessions_can_be_deleted(account):
    account.resource.delete()
    assert not Account.objects.filter(pk=account.pk).exists()


def test_project_with_sessions_cannot_be_deleted(account):
    AccessSessionFactory(account=account)
    with pytest.raises(ProtectedError):
        Project.objects.filter(pk=account.resource.project_id).delete()


def test_two_users_never_share_an_email_whatever_its_case():
    """The database refuses it (identity migration 0001), so Members and SSO always find the
    one person an email names."""
    UserFactory(email="bob@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="Bob@Example.com")
    UserFactory(email="")  # users without an email are not compared
    UserFactory(email="")


def test_membership_set_needs_an_existing_user_and_keeps_one_admin(project, admin_user):
    with pytest.raises(ValidationError, match="No user has the email"):
        membership_set(actor=admin_user, project=project, email="nobody@x.io", role="member")
    bob = UserFactory(email="bob@example.com")
    membership = membership_set(
        actor=admin_user, project=project, email="BOB@example.com", role="auditor"
    )
    assert membership.user == bob and membership.role == "auditor"
    with pytest.raises(ValidationError, match="at least one admin"):
        membership_set(actor=admin_user, project=project, email=admin_user.email, role="member")
