"""An archived project: its history stays readable, nothing can be opened or changed."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.access import account_access
from accounts.models import Account
from resources.permissions import ARCHIVED
from resources.projects import project_archive
from resources.services import resource_create
from sessions_audit.models import AccessSession, AuditEvent
from tests.factories import AccessSessionFactory

pytestmark = pytest.mark.django_db

ARN = "arn:aws:iam::123456789012:role/PamBridge"


@pytest.fixture
def archived(project, admin_user):
    return project_archive(actor=admin_user, project=project)


def test_archiving_is_audited(archived, admin_user):
    event = AuditEvent.objects.get(action="project.archive")
    assert (event.project, event.actor) == (archived, admin_user)


def test_no_console_opens_in_an_archived_project(archived, member_user, account):
    account = Account.objects.get(pk=account.pk)  # as the view loads it, after the archive
    with pytest.raises(PermissionDenied, match="archived"):
        account_access(user=member_user, account=account, source_ip=None, user_agent="")
    assert not AccessSession.objects.exists()


def test_nothing_changes_in_an_archived_project(archived, admin_user):
    with pytest.raises(PermissionDenied, match="archived"):
        resource_create(actor=admin_user, project=archived, name="x", resource_role_arn=ARN)


def test_the_pages_refuse_changes_and_keep_the_history_readable(
    client, archived, admin_user, account
):
    AccessSessionFactory(account=account)
    client.force_login(admin_user)
    slug = archived.slug
    access = client.post(reverse("accounts:access", args=[slug, account.pk]))
    assert access.status_code == 403 and ARCHIVED.encode() in access.content
    assert client.get(reverse("resources:create", args=[slug])).status_code == 403
    assert client.get(reverse("sessions_audit:list", args=[slug])).status_code == 200
    accounts_page = client.get(reverse("accounts:list", args=[slug])).content.decode()
    assert "Add account" not in accounts_page and 'value="Access"' not in accounts_page
