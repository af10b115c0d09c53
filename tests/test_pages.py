"""What a new user meets on the pages: the project list, searches, ARNs and IDs that wrap and
copy, breadcrumbs, times, dates typed as ISO, and wording that says what is true."""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from resources.models import Membership, Resource
from sessions_audit.models import AccessSession
from tests.factories import (
    AccessSessionFactory,
    AccountFactory,
    MembershipFactory,
    ProjectFactory,
    ResourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TARGET_ARN = "arn:aws:iam::123456789012:role/team/ReadOnly"


def _get(client, name, *args, **query):
    response = client.get(reverse(name, args=args), query)
    assert response.status_code == 200, response.content[:500]
    return response


# The project list and New project


def test_a_platform_admin_sees_every_project(client):
    staff = UserFactory(is_staff=True)
    own = MembershipFactory(user=staff).project
    elsewhere = ProjectFactory(name="Someone else's")
    client.force_login(staff)

    body = _get(client, "home").content.decode()

    assert own.name in body and "Someone else&#x27;s" in body
    # Not a member there: the project's pages are 404 to them, Django admin manages it.
    assert reverse("admin:resources_project_change", args=[elsewhere.pk]) in body
    assert reverse("resources:project", args=[elsewhere.slug]) not in body
    assert reverse("resources:project", args=[own.slug]) in body


def test_new_project_says_it_was_created(client):
    client.force_login(UserFactory(is_staff=True))
    response = client.post(
        reverse("project_create"), {"name": "Payments", "slug": "payments"}, follow=True
    )
    assert "Project Payments created" in response.content.decode()


# Search on the Accounts and Resources lists: a plain GET ?q=


@pytest.fixture
def listed(project, member_user):
    payments = ResourceFactory(project=project, name="payments", description="Card processing")
    ResourceFactory(
        project=project, name="data", resource_role_arn="arn:aws:iam::123456789012:role/DataBridge"
    )
    AccountFactory(resource=payments, name="read-only", target_role_arn=TARGET_ARN)
    AccountFactory(resource=payments, name="break-glass")
    return project


SEARCHES = {
    # (list, q): the names shown
    "accounts-by-name": ("accounts:list", "READ-only", ["read-only"]),
    "accounts-by-arn": ("accounts:list", "team/ReadOnly", ["read-only"]),
    "accounts-by-resource": ("accounts:list", "paym", ["break-glass", "read-only"]),
    "accounts-none": ("accounts:list", "nothing-like-it", []),
    "accounts-all": ("accounts:list", "", ["break-glass", "read-only"]),
    "resources-by-description": ("resources:list", "card", ["payments"]),
    "resources-by-arn": ("resources:list", "DataBridge", ["data"]),
    "resources-all": ("resources:list", "  ", ["data", "payments"]),
}


@pytest.mark.parametrize("case", sorted(SEARCHES))
def test_the_lists_search_without_javascript(client, member_user, listed, case):
    name, q, shown = SEARCHES[case]
    client.force_login(member_user)

    response = _get(client, name, listed.slug, q=q)

    rows = response.context["accounts" if name.startswith("accounts") else "resources"]
    assert sorted(row.name for row in rows) == shown
    body = response.content.decode()
    assert 'role="search"' in body and 'name="q"' in body
    if not shown:
        assert "match" in body


@pytest.mark.parametrize("name", ["accounts:list", "resources:list"])
def test_a_search_too_long_says_why_and_shows_nothing(client, member_user, listed, name):
    client.force_login(member_user)
    response = _get(client, name, listed.slug, q="x" * 101)
    assert "at most 100" in response.content.decode()
    assert list(response.context["accounts" if "accounts" in name else "resources"]) == []


# ARNs and the External ID: they wrap between their parts and have copy buttons


def test_arns_wrap_after_colons_and_slashes_and_copy(client, member_user, listed):
    client.force_login(member_user)
    body = _get(client, "accounts:list", listed.slug).content.decode()
    assert "arn:<wbr>aws:<wbr>iam:<wbr>:<wbr>123456789012:<wbr>role/<wbr>team/<wbr>ReadOnly" in body
    arn_id = re.search(r'id="(account-\d+-arn)"', body).group(1)
    assert f'data-copy-target="{arn_id}"' in body


def test_the_external_id_does_not_wrap_and_copies(client, member_user, listed):
    client.force_login(member_user)
    body = _get(client, "resources:list", listed.slug).content.decode()
    assert f'class="mono nowrap" id="external-id">{listed.external_id}<' in body
    assert 'data-copy-target="external-id"' in body


@pytest.mark.parametrize(
    ("name", "args", "current"),
    [
        ("resources:edit", lambda p, r, a, s: [p.slug, r.pk], lambda r, a: r.name),
        ("resources:create", lambda p, r, a, s: [p.slug], lambda r, a: "Add a resource"),
        ("accounts:edit", lambda p, r, a, s: [p.slug, a.pk], lambda r, a: a.name),
        ("accounts:create", lambda p, r, a, s: [p.slug], lambda r, a: "Add an account"),
        ("sessions_audit:detail", lambda p, r, a, s: [p.slug, s.pk], lambda r, a: "UTC"),
    ],
)
def test_breadcrumbs_end_with_the_page_they_are_on(
    client, admin_user, project, resource, account, name, args, current
):
    session = AccessSessionFactory(account=account)
    client.force_login(admin_user)
    body = _get(client, name, *args(project, resource, account, session)).content.decode()
    crumb = re.search(r'<nav class="breadcrumb"[^>]*>(.*?)</nav>', body).group(1)
    assert not crumb.rstrip().endswith("/")
    assert re.search(
        r'<span aria-current="page">[^<]*' + re.escape(current(resource, account)), crumb
    )


# Times: UTC in the page (and on hover), the viewer's zone and "12 minutes ago" by script


def test_times_are_time_elements_with_utc_on_hover(client, admin_user, account):
    started = datetime(2026, 5, 1, 12, 30, tzinfo=UTC)
    session = AccessSessionFactory(
        account=account, created_at=started, expires_at=started.replace(hour=13)
    )
    client.force_login(admin_user)
    slug = account.resource.project.slug

    listing = _get(client, "sessions_audit:list", slug).content.decode()
    detail = _get(client, "sessions_audit:detail", slug, session.pk).content.decode()

    element = (
        '<time datetime="2026-05-01T12:30:00+00:00" title="2026-05-01 12:30:00 UTC" '
        'data-when="">2026-05-01 12:30:00 UTC</time>'
    )
    assert element in listing and element in detail
    assert 'datetime="2026-05-01T13:30:00+00:00"' in detail and 'data-when="ends"' in detail
    assert "When (UTC)" not in listing


ISO_DATES = {
    "date": ("2026-05-01", 1),
    "compact-date": ("20260501", 1),
    "utc-timestamp-from-the-export": ("2026-05-01T12:30:00+00:00", 1),
    "a-timestamp-whose-utc-day-is-the-next": ("2026-04-30T23:30:00-02:00", 1),
    "a-day-later": ("2026-05-02", 0),
}


@pytest.mark.parametrize("case", sorted(ISO_DATES))
def test_the_date_filters_take_iso_dates(client, auditor_user, account, case):
    value, count = ISO_DATES[case]
    AccessSessionFactory(account=account, created_at=datetime(2026, 5, 1, 12, 30, tzinfo=UTC))
    client.force_login(auditor_user)
    response = _get(client, "sessions_audit:list", account.resource.project.slug, since=value)
    assert len(response.context["page"].sessions) == count


def test_a_date_that_is_not_iso_says_how_to_write_it(client, auditor_user, account):
    client.force_login(auditor_user)
    response = _get(client, "sessions_audit:list", account.resource.project.slug, until="5/1/26")
    assert "YYYY-MM-DD" in " ".join(response.context["form"].errors["until"])
    assert 'placeholder="YYYY-MM-DD"' in response.content.decode()


# Wording


def test_a_failed_session_shows_its_duration_as_accounts_do_and_whose_error(
    client, auditor_user, account
):
    failed = AccessSessionFactory(
        account=account,
        status=AccessSession.Status.FAILED,
        expires_at=None,
        duration_seconds=1800,
        failure_code="RateLimited",
        failure_message="Wait a minute.",
    )
    client.force_login(auditor_user)
    body = _get(
        client, "sessions_audit:detail", account.resource.project.slug, failed.pk
    ).content.decode()
    assert "<dd>30m</dd>" in body and "1800 s" not in body
    assert "AWS error" not in body
    assert "Error (of this platform, not AWS)" in body


def test_an_aws_failure_is_called_aws_error(client, auditor_user, account):
    failed = AccessSessionFactory(
        account=account,
        status=AccessSession.Status.FAILED,
        expires_at=None,
        failure_code="AccessDenied",
    )
    client.force_login(auditor_user)
    slug = account.resource.project.slug
    assert "AWS error" in _get(client, "sessions_audit:detail", slug, failed.pk).content.decode()


def test_the_target_role_placeholder_is_not_the_bridges_name(client, admin_user, resource):
    client.force_login(admin_user)
    form = _get(client, "accounts:create", resource.project.slug).context["form"]
    placeholder = form.fields["target_role_arn"].widget.attrs["placeholder"]
    assert "PamBridge" not in placeholder and placeholder.endswith("role/ReadOnly")


def test_the_resource_list_asks_for_a_choice_when_there_are_several(client, admin_user, project):
    ResourceFactory(project=project, name="a", resource_role_arn=TARGET_ARN + "A")
    ResourceFactory(project=project, name="b", resource_role_arn=TARGET_ARN + "B")
    client.force_login(admin_user)
    body = _get(client, "accounts:create", project.slug).content.decode()
    assert '<option value="" selected>Choose a resource</option>' in body
    response = client.post(
        reverse("accounts:create", args=[project.slug]),
        {"name": "x", "target_role_arn": TARGET_ARN, "session_duration": "1h"},
    )
    assert "resource" in response.context["form"].errors


def test_the_one_resource_there_is_is_chosen_already(client, admin_user, resource):
    client.force_login(admin_user)
    body = _get(client, "accounts:create", resource.project.slug).content.decode()
    select = re.search(r'<select name="resource".*?</select>', body, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)"', select) == [str(resource.pk)]


def test_permissions_policy_help_follows_whether_accounts_exist(client, admin_user, resource):
    client.force_login(admin_user)
    url_args = (resource.project.slug, resource.pk)
    before = _get(client, "resources:edit", *url_args).content.decode()
    AccountFactory(resource=resource)
    after = _get(client, "resources:edit", *url_args).content.decode()
    assert "Until accounts exist" in before
    assert "Until accounts exist" not in after
    assert "exactly the target roles of this resource&#x27;s accounts" in after


@pytest.mark.django_db(transaction=True)  # commits for real: the check runs on commit
def test_validate_again_says_the_outcome_once_the_check_has_run(
    client, admin_user, resource, monkeypatch
):
    # No broker: the check runs in the request, so "Validating … again." would be stale.
    def check_now(pk):
        Resource.objects.filter(pk=pk).update(validation_status="valid")

    monkeypatch.setattr("resources.tasks.resource_validate_task.delay", check_now)
    client.force_login(admin_user)
    url = reverse("resources:validate", args=[resource.project.slug, resource.pk])
    with_check = client.post(url, follow=True).content.decode()
    assert f"{resource.name} checked again: valid." in with_check
    assert "Validating" not in with_check


def test_validate_again_says_validating_while_the_check_is_queued(
    client, admin_user, resource, monkeypatch
):
    monkeypatch.setattr("resources.tasks.resource_validate_task.delay", lambda pk: None)
    client.force_login(admin_user)
    url = reverse("resources:validate", args=[resource.project.slug, resource.pk])
    assert f"Validating {resource.name} again." in client.post(url, follow=True).content.decode()


def test_the_members_page_has_one_title(client, admin_user, project):
    client.force_login(admin_user)
    body = _get(client, "resources:members", project.slug).content.decode()
    title = re.search(r"<title>(.*?)</title>", body, re.S).group(1)
    assert title == f"Members · {project.name} · PAM Console"
    assert Membership.objects.filter(project=project).exists()
