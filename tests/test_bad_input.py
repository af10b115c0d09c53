"""Bad input at the HTTP level: the create/edit forms (resources, accounts, members, projects)
and the session filters answer with a field error that says why, and save nothing. Names with
HTML or script are valid names: they render escaped on every page, in the admin site, and in
the CSV export, where a cell that a spreadsheet would run as a formula is neutralised."""

import csv
import io
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.models import Account
from pamsite.validators import RESERVED_SLUGS
from resources.models import Membership, Project, Resource
from sessions_audit.models import AccessSession, AuditEvent
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
TARGET_ARN = "arn:aws:iam::123456789012:role/ReadOnly"

BAD_ARNS = {
    "user": ("arn:aws:iam::123456789012:user/alice", "IAM user ARN"),
    "policy": ("arn:aws:iam::123456789012:policy/ReadOnly", "IAM policy ARN"),
    "s3": ("arn:aws:s3:::my-bucket", "S3 ARN"),
    "assumed-role": (
        "arn:aws:sts::123456789012:assumed-role/PamBridge/alice",
        "assumed-role session ARN",
    ),
    "short-account-id": ("arn:aws:iam::12345678901:role/PamBridge", "exactly 12 digits"),
    "letters-in-account-id": ("arn:aws:iam::12345678901x:role/PamBridge", "exactly 12 digits"),
    "region": ("arn:aws:iam:us-east-1:123456789012:role/PamBridge", "no region"),
    "partition": ("arn:aws-xx:iam::123456789012:role/PamBridge", "Unknown partition"),
    "not-an-arn": ("PamBridge", "not an ARN"),
    "name-too-long": (f"arn:aws:iam::123456789012:role/{'R' * 65}", "1 to 64"),
    "too-long": (f"arn:aws:iam::123456789012:role/{'p/' * 1100}Role", "at most 2048"),
    "space-inside": ("arn:aws:iam::123456789012:role/Pam Bridge", "1 to 64"),
    "newline-inside": ("arn:aws:iam::123456789012:role/PamBridge\nX", "1 to 64"),
    "html": ("arn:aws:iam::123456789012:role/<script>", "1 to 64"),
    # IAM wildcards and empty path segments: an ARN here names exactly one role.
    "wildcard-name": ("arn:aws:iam::123456789012:role/*", "IAM wildcards are not allowed"),
    "wildcard-path": ("arn:aws:iam::123456789012:role/*/x", "IAM wildcards are not allowed"),
    "question-mark": ("arn:aws:iam::123456789012:role/a?/x", "IAM wildcards are not allowed"),
    "wildcard-account": ("arn:aws:iam::*:role/PamBridge", "exactly 12 digits"),
    "wildcard-suffix": ("arn:aws:iam::123456789012:role/Pam*", "IAM wildcards are not allowed"),
    "empty-segment": ("arn:aws:iam::123456789012:role//x", "empty segment"),
    "empty-inner-segment": ("arn:aws:iam::123456789012:role/a//b/x", "empty segment"),
    "path-too-long": (f"arn:aws:iam::123456789012:role/{'p' * 511}/x", "at most 512"),
    "non-ascii-path": ("arn:aws:iam::123456789012:role/é/x", "printable ASCII"),
    "empty": ("", "required"),
    "blank": ("   ", "required"),
}

BAD_DURATIONS = {
    "2h": "too long",
    "10m": "too short",
    "abc": "not a duration",
    "900": "Add a unit",
    "": "required",
    "1h1h": "not a duration",
    "0m": "too short",
    "-15m": "not a duration",
    "99999999h": "not a duration",
    "1h 30": "not a duration",
}

BAD_NAMES = {
    "empty": ("", "required"),
    "blank": ("   ", "required"),
    "101-chars": ("n" * 101, "at most 100"),
    "rtl-override": ("prod\u202egnp.exe", "U+202E"),
    "rtl-isolate": ("\u2067prod\u2069", "U+2067"),
    "zero-width-space": ("pro\u200bd", "U+200B"),
    "zero-width-only": ("\u200b", "U+200B"),
    "zero-width-joiner": ("prod\u200d", "U+200D"),
    "byte-order-mark": ("\ufeffprod", "U+FEFF"),
    "nul": ("prod\x00", "Null characters"),
    "escape": ("prod\x1b[31m", "U+001B"),
    "tab": ("pr\tod", "U+0009"),
    "line-separator": ("prod\u2028x", "U+2028"),
    # Default-ignorable code points and glyphs that draw as blanks: "prod" + a filler reads as
    # "prod" but is another name.
    "hangul-filler": ("prod\u3164", "U+3164"),
    "hangul-choseong-filler": ("prod\u115f", "U+115F"),
    "hangul-jungseong-filler": ("prod\u1160", "U+1160"),
    "halfwidth-hangul-filler": ("prod\uffa0", "U+FFA0"),
    "combining-grapheme-joiner": ("prod\u034f", "U+034F"),
    "braille-blank": ("prod\u2800", "U+2800"),
    "variation-selector": ("prod\ufe0f", "U+FE0F"),
    "mongolian-vowel-separator": ("pr\u180eod", "U+180E"),
    "word-joiner": ("pr\u2060od", "U+2060"),
    "filler-only": ("\u3164", "U+3164"),
    "em-space-inside": ("pr\u2003od", "U+2003"),
    "no-break-space-inside": ("pr\u00a0od", "U+00A0"),
}


def test_a_full_width_name_is_the_same_name(admin_client, admin_user, project):
    """NFKC before the uniqueness check: "ｐｒｏｄ" (full-width) collides with "prod"."""
    from resources.services import resource_create

    resource_create(actor=admin_user, project=project, name="prod", resource_role_arn=ARN)
    url = reverse("resources:create", args=[project.slug])
    data = {"name": "\uff50\uff52\uff4f\uff44", "description": "", "resource_role_arn": ARN + "2"}
    _, errors = _post_refused(admin_client, url, data, "name")
    assert "already exists" in errors


# Valid names that must come back escaped wherever they are shown.
SCRIPT_NAME = "<script>alert(1)</script>"
IMG_NAME = '"><img src=x onerror=alert(1)>'
RAW_MARKERS = ("<script>alert(1)", "<img src=x")


def snapshot() -> dict:
    models = (AccessSession, AuditEvent, Resource, Account, Membership, Project, get_user_model())
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


@pytest.fixture
def queued(monkeypatch):
    from accounts.tasks import account_validate_task
    from resources.tasks import resource_validate_task

    sent = []
    monkeypatch.setattr(resource_validate_task, "delay", sent.append)
    monkeypatch.setattr(account_validate_task, "delay", sent.append)
    return sent


@pytest.fixture
def admin_client(client, admin_user, queued):
    client.force_login(admin_user)
    return client


def _field_errors(response, field: str) -> str:
    assert response.status_code == 200, response.content[:500]
    form = response.context["form"]
    assert field in form.errors, dict(form.errors)
    return " ".join(form.errors[field])


def _post_refused(client, url, data, field):
    before = snapshot()
    response = client.post(url, data)
    errors = _field_errors(response, field)
    assert snapshot() == before
    return response, errors


# Resources


def _resource_data(**overrides):
    return {"name": "prod", "description": "", "resource_role_arn": ARN, **overrides}


def _resource_urls(project, resource):
    return {
        "create": reverse("resources:create", args=[project.slug]),
        "edit": reverse("resources:edit", args=[project.slug, resource.pk]),
    }


@pytest.mark.parametrize("form", ["create", "edit"])
@pytest.mark.parametrize("case", sorted(BAD_ARNS))
def test_resource_form_refuses_a_bad_arn(admin_client, project, resource, form, case):
    value, why = BAD_ARNS[case]
    url = _resource_urls(project, resource)[form]

    response, errors = _post_refused(
        admin_client, url, _resource_data(resource_role_arn=value), "resource_role_arn"
    )

    assert why.lower() in errors.lower()
    assert errors in response.content.decode() or "errorlist" in response.content.decode()


@pytest.mark.parametrize("form", ["create", "edit"])
@pytest.mark.parametrize("case", sorted(BAD_NAMES))
def test_resource_form_refuses_a_bad_name(admin_client, project, resource, form, case):
    value, why = BAD_NAMES[case]
    url = _resource_urls(project, resource)[form]

    _, errors = _post_refused(admin_client, url, _resource_data(name=value), "name")

    assert why.lower() in errors.lower()


def test_resource_form_refuses_an_oversized_description(admin_client, project):
    url = reverse("resources:create", args=[project.slug])
    _, errors = _post_refused(
        admin_client, url, _resource_data(description="d" * 501), "description"
    )
    assert "at most 500" in errors


def test_resource_form_refuses_a_name_already_used_in_the_project(admin_client, project, resource):
    url = reverse("resources:create", args=[project.slug])
    before = snapshot()
    response = admin_client.post(
        url, _resource_data(name=resource.name, resource_role_arn=ARN + "2")
    )
    assert response.status_code == 200
    # The error sits on the name field, where the person has to fix it.
    assert "already exists" in " ".join(response.context["form"].errors["name"])
    assert "already exists" in response.content.decode()
    assert snapshot() == before


def test_a_whitespace_padded_arn_is_trimmed_not_refused(admin_client, project):
    url = reverse("resources:create", args=[project.slug])
    response = admin_client.post(url, _resource_data(resource_role_arn=f"  {ARN}\t"))
    assert response.status_code == 302
    assert Resource.objects.get(name="prod").resource_role_arn == ARN


@pytest.mark.parametrize("name", ["prod 🚀", "פרודקשן", "Produktion-äöü", "本番"])
def test_emoji_and_right_to_left_scripts_are_fine_names(admin_client, project, name):
    url = reverse("resources:create", args=[project.slug])
    response = admin_client.post(url, _resource_data(name=name))
    assert response.status_code == 302
    assert Resource.objects.filter(project=project, name=name).exists()
    page = admin_client.get(reverse("resources:list", args=[project.slug]))
    assert name in page.content.decode()


# One Resource per Resource Role in a project: the same role written another way is the same.
SAME_ROLE_ARNS = {
    "identical": ARN,
    "role-name-case": "arn:aws:iam::123456789012:role/pambridge",
    "upper-case-name": "arn:aws:iam::123456789012:role/PAMBRIDGE",
    "padded": f"  {ARN}\t",
}


@pytest.mark.parametrize("form", ["create", "edit"])
@pytest.mark.parametrize("case", sorted(SAME_ROLE_ARNS))
def test_resource_form_refuses_a_role_another_resource_uses(admin_client, project, form, case):
    existing = ResourceFactory(project=project, name="payments", resource_role_arn=ARN)
    other = ResourceFactory(project=project, name="other", resource_role_arn=ARN + "Other")
    url = _resource_urls(project, other)[form]
    data = _resource_data(name="another", resource_role_arn=SAME_ROLE_ARNS[case])

    _, errors = _post_refused(admin_client, url, data, "resource_role_arn")

    assert f"Resource {existing.name} already uses this Resource Role" in errors


def test_another_project_may_use_the_same_role(admin_client, project):
    ResourceFactory(project=ProjectFactory(), resource_role_arn=ARN)
    response = admin_client.post(reverse("resources:create", args=[project.slug]), _resource_data())
    assert response.status_code == 302


# Accounts


def _account_data(resource, **overrides):
    return {
        "resource": resource.pk,
        "name": "readonly",
        "description": "",
        "target_role_arn": TARGET_ARN,
        "session_duration": "1h",
        **overrides,
    }


def _account_urls(project, account):
    return {
        "create": reverse("accounts:create", args=[project.slug]),
        "edit": reverse("accounts:edit", args=[project.slug, account.pk]),
    }


@pytest.mark.parametrize("form", ["create", "edit"])
@pytest.mark.parametrize("case", sorted(BAD_ARNS))
def test_account_form_refuses_a_bad_arn(admin_client, project, account, form, case):
    value, why = BAD_ARNS[case]
    url = _account_urls(project, account)[form]
    data = _account_data(account.resource, target_role_arn=value)

    _, errors = _post_refused(admin_client, url, data, "target_role_arn")

    assert why.lower() in errors.lower()


@pytest.mark.parametrize("form", ["create", "edit"])
@pytest.mark.parametrize("value", sorted(BAD_DURATIONS))
def test_account_form_refuses_a_bad_duration(admin_client, project, account, form, value):
    url = _account_urls(project, account)[form]
    data = _account_data(account.resource, session_duration=value)

    _, errors = _post_refused(admin_client, url, data, "session_duration")

    assert BAD_DURATIONS[value].lower() in errors.lower()
    if value not in ("", "abc"):
        assert "15m to 1h" in errors  # it says what is allowed


@pytest.mark.parametrize("form", ["create", "edit"])
@pytest.mark.parametrize("case", sorted(BAD_NAMES))
def test_account_form_refuses_a_bad_name(admin_client, project, account, form, case):
    value, why = BAD_NAMES[case]
    url = _account_urls(project, account)[form]

    _, errors = _post_refused(
        admin_client, url, _account_data(account.resource, name=value), "name"
    )

    assert why.lower() in errors.lower()


# A Resource is one AWS account connection: its accounts' roles are in its account and
# partition (the Resource Role is in aws, account 123456789012).
OTHER_AWS_ACCOUNT_ROLES = {
    "other-account": ("arn:aws:iam::210987654321:role/ReadOnly", "AWS account 210987654321"),
    "gov-partition": ("arn:aws-us-gov:iam::123456789012:role/ReadOnly", "aws-us-gov partition"),
    "china-partition": ("arn:aws-cn:iam::123456789012:role/ReadOnly", "aws-cn partition"),
    "both": ("arn:aws-cn:iam::210987654321:role/ReadOnly", "aws-cn partition"),
}


@pytest.mark.parametrize("form", ["create", "edit"])
@pytest.mark.parametrize("case", sorted(OTHER_AWS_ACCOUNT_ROLES))
def test_account_form_refuses_a_role_outside_the_resources_aws_account(
    admin_client, project, account, form, case
):
    value, why = OTHER_AWS_ACCOUNT_ROLES[case]
    url = _account_urls(project, account)[form]
    data = _account_data(account.resource, target_role_arn=value)

    _, errors = _post_refused(admin_client, url, data, "target_role_arn")

    assert why in errors
    assert "a Resource is one AWS account connection" in errors


@pytest.mark.parametrize("case", sorted(OTHER_AWS_ACCOUNT_ROLES))
def test_admin_site_refuses_a_role_outside_the_resources_aws_account(
    client, project, resource, case
):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    before = snapshot()
    response = client.post(
        reverse("admin:accounts_account_add"),
        {
            "resource": resource.pk,
            "name": "readonly",
            "description": "",
            "target_role_arn": OTHER_AWS_ACCOUNT_ROLES[case][0],
            "session_duration": 3600,
            # The access policy's defaults, as the admin form fills them in.
            "access_policy": "standing",
            "approvals_required": 1,
            "reason_required": "on",
            "max_grant_seconds": 3600,
            "pending_hours": 24,
            "break_glass_seconds": 1800,
        },
        follow=True,
    )
    assert "a Resource is one AWS account connection" in response.content.decode()
    assert snapshot() == before


def test_account_form_refuses_another_projects_resource(admin_client, project, resource):
    foreign = ResourceFactory(project=ProjectFactory())
    url = reverse("accounts:create", args=[project.slug])
    _post_refused(admin_client, url, _account_data(foreign), "resource")


@pytest.mark.parametrize("value", ["", "abc", "99999999999999999999", "-1"])
def test_account_form_refuses_a_bad_resource_id(admin_client, project, resource, value):
    url = reverse("accounts:create", args=[project.slug])
    _post_refused(admin_client, url, {**_account_data(resource), "resource": value}, "resource")


# Members


@pytest.mark.parametrize(
    ("email", "why"),
    [
        ("", "required"),
        ("not-an-email", "valid email"),
        ("<script>alert(1)</script>@example.com", "valid email"),
        (f"{'a' * 250}@example.com", "at most 254"),
    ],
)
def test_member_form_refuses_a_bad_email(admin_client, project, email, why):
    url = reverse("resources:members", args=[project.slug])
    _, errors = _post_refused(admin_client, url, {"email": email, "role": "member"}, "email")
    assert why.lower() in errors.lower()


@pytest.mark.parametrize("role", ["", "owner", "ADMIN", "admin "])
def test_member_form_refuses_an_unknown_role(admin_client, project, role):
    user = UserFactory()
    url = reverse("resources:members", args=[project.slug])
    _post_refused(admin_client, url, {"email": user.email, "role": role}, "role")


def test_the_last_admin_cannot_demote_themself(admin_client, project, admin_user):
    url = reverse("resources:members", args=[project.slug])
    _post_refused(admin_client, url, {"email": admin_user.email, "role": "member"}, "role")


# Projects (platform admins)


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True))
    return client


@pytest.mark.parametrize("case", sorted(BAD_NAMES))
def test_project_form_refuses_a_bad_name(staff_client, case):
    value, why = BAD_NAMES[case]
    url = reverse("project_create")
    _, errors = _post_refused(staff_client, url, {"name": value, "slug": "new"}, "name")
    assert why.lower() in errors.lower()


@pytest.mark.parametrize("slug", ["has space", "<script>", "ü" * 3, "s" * 61])
def test_project_form_refuses_a_bad_slug(staff_client, slug):
    _post_refused(staff_client, reverse("project_create"), {"name": "New", "slug": slug}, "slug")


@pytest.mark.parametrize("slug", sorted(RESERVED_SLUGS))
def test_project_form_refuses_a_reserved_slug(staff_client, slug):
    _, errors = _post_refused(
        staff_client, reverse("project_create"), {"name": "Payments", "slug": slug}, "slug"
    )
    assert "reserved for the site's own pages" in errors


@pytest.mark.parametrize("name", ["New", "Admin", "Login"])
def test_a_name_whose_slug_would_be_reserved_asks_for_another_slug(staff_client, name):
    _, errors = _post_refused(
        staff_client, reverse("project_create"), {"name": name, "slug": ""}, "slug"
    )
    assert "reserved" in errors


def test_project_named_without_letters_asks_for_a_slug(staff_client):
    # The slug is made from the name; "🚀" makes none: a field error, not a 500.
    before = snapshot()
    response = staff_client.post(reverse("project_create"), {"name": "🚀", "slug": ""})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert snapshot() == before


# Session filters


@pytest.fixture
def auditor_client(client, auditor_user, account):
    AccessSessionFactory(account=account)
    client.force_login(auditor_user)
    return client


BAD_FILTERS = {
    "since-not-a-date": ({"since": "yesterday"}, "since"),
    "since-us-style": ({"since": "05/01/2024"}, "since"),
    "until-not-iso": ({"until": "1 May 2024"}, "until"),
    "since-impossible-date": ({"since": "2024-02-30"}, "since"),
    "until-before-since": ({"since": "2024-05-02", "until": "2024-05-01"}, "until"),
    "status-unknown": ({"status": "hacked"}, "status"),
    "resource-not-a-number": ({"resource": "abc"}, "resource"),
    "resource-huge": ({"resource": "9" * 30}, "resource"),
    "account-sql": ({"account": "1 OR 1=1"}, "account"),
    "user-too-long": ({"user": "u" * 255}, "user"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILTERS))
def test_session_filter_shows_the_field_error_and_no_rows(auditor_client, project, case):
    query, field = BAD_FILTERS[case]
    response = auditor_client.get(reverse("sessions_audit:list", args=[project.slug]), query)

    assert field in _field_errors(response, field) or response.context["form"].errors[field]
    assert response.context["page"].sessions == []


def test_session_filter_refuses_another_projects_resource(auditor_client, project):
    foreign = ResourceFactory(project=ProjectFactory())
    AccessSessionFactory(account=AccountFactory(resource=foreign))
    url = reverse("sessions_audit:list", args=[project.slug])

    response = auditor_client.get(url, {"resource": foreign.pk})

    _field_errors(response, "resource")
    assert response.context["page"].sessions == []


@pytest.mark.parametrize("case", sorted(BAD_FILTERS))
def test_export_with_a_bad_filter_is_400_not_every_session(auditor_client, project, case):
    """Not a download of nothing, nor a plain-text error file: the list page, saying why."""
    query, field = BAD_FILTERS[case]
    response = auditor_client.get(reverse("sessions_audit:export", args=[project.slug]), query)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response
    assert field in response.context["form"].errors
    assert response.context["page"].sessions == []
    assert "The filter is not valid" in response.content.decode()


@pytest.mark.parametrize("cursor", ["garbage", "%00", "x" * 5000, "MjAyNC0wMS0wMXxub3QtYS11dWlk"])
def test_a_forged_page_cursor_is_the_first_page(auditor_client, project, cursor):
    response = auditor_client.get(
        reverse("sessions_audit:list", args=[project.slug]), {"after": cursor}
    )
    assert response.status_code == 200
    assert len(response.context["page"].sessions) == 1


@pytest.mark.parametrize("user", [SCRIPT_NAME, IMG_NAME, "%", "_", "\\", "' OR 1=1 --"])
def test_session_user_filter_is_text_not_code(auditor_client, project, user):
    response = auditor_client.get(
        reverse("sessions_audit:list", args=[project.slug]), {"user": user}
    )
    assert response.status_code == 200
    assert response.context["page"].sessions == []
    body = response.content.decode()
    assert not any(marker in body for marker in RAW_MARKERS)


# Names with HTML and script: valid, and escaped everywhere.


@pytest.fixture
def hostile(client, admin_user, project, queued, monkeypatch):
    """A project whose resource, account and project names are markup, created through the
    forms, with one Access session (its user agent is markup too) and one failed one."""
    client.force_login(admin_user)
    Project.objects.filter(pk=project.pk).update(name=IMG_NAME)
    response = client.post(
        reverse("resources:create", args=[project.slug]),
        _resource_data(name=SCRIPT_NAME, description=IMG_NAME),
    )
    assert response.status_code == 302
    resource = Resource.objects.get(name=SCRIPT_NAME)
    response = client.post(
        reverse("accounts:create", args=[project.slug]),
        _account_data(resource, name=IMG_NAME, description=SCRIPT_NAME),
    )
    assert response.status_code == 302
    account = Account.objects.get(name=IMG_NAME)

    def fake_open_console(**kwargs):
        assumed = SimpleNamespace(
            assumed_role_arn="arn:aws:sts::123456789012:assumed-role/ReadOnly/x",
            assumed_role_id="AROAEXAMPLE:x",
            expires_at=datetime.now(UTC) + timedelta(hours=1),
        )
        return assumed, "https://signin.aws.amazon.com/federation?Action=login"

    monkeypatch.setattr("accounts.access.open_console", fake_open_console)
    access = reverse("accounts:access", args=[project.slug, account.pk])
    assert client.post(access, HTTP_USER_AGENT=SCRIPT_NAME).status_code == 302
    session = AccessSession.objects.get()
    return SimpleNamespace(project=project, resource=resource, account=account, session=session)


def _assert_escaped(response):
    assert response.status_code == 200, response.content[:500]
    body = response.content.decode()
    for marker in RAW_MARKERS:
        assert marker not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body or "&lt;img src=x" in body


def test_markup_names_render_escaped_on_every_project_page(client, hostile):
    slug = hostile.project.slug
    pages = [
        reverse("home"),
        reverse("resources:list", args=[slug]),
        reverse("resources:edit", args=[slug, hostile.resource.pk]),
        reverse("resources:members", args=[slug]),
        reverse("accounts:list", args=[slug]),
        reverse("accounts:create", args=[slug]),
        reverse("accounts:edit", args=[slug, hostile.account.pk]),
        reverse("sessions_audit:list", args=[slug]),
        reverse("sessions_audit:detail", args=[slug, hostile.session.pk]),
    ]
    for url in pages:
        _assert_escaped(client.get(url, follow=True))


def test_markup_names_render_escaped_in_htmx_fragments(client, hostile):
    slug = hostile.project.slug
    htmx = {"HTTP_HX_REQUEST": "true"}
    _assert_escaped(client.get(reverse("sessions_audit:list", args=[slug]), **htmx))
    _assert_escaped(client.get(reverse("accounts:edit", args=[slug, hostile.account.pk]), **htmx))


def test_markup_names_render_escaped_in_form_errors_and_messages(client, hostile):
    slug = hostile.project.slug
    # Saved: the success message names the resource.
    response = client.post(
        reverse("resources:edit", args=[slug, hostile.resource.pk]),
        _resource_data(name=SCRIPT_NAME),
        follow=True,
    )
    _assert_escaped(response)
    # Refused: the form is shown again with the markup as the field's value.
    response = client.post(
        reverse("accounts:create", args=[slug]),
        _account_data(hostile.resource, name=IMG_NAME, session_duration="2h"),
    )
    _assert_escaped(response)


def test_markup_names_render_escaped_on_the_access_failed_page(client, hostile, monkeypatch):
    from pamsite.aws.errors import AwsError

    def fail(**kwargs):
        raise AwsError("AccessDenied", f"Denied for {SCRIPT_NAME}")

    monkeypatch.setattr("accounts.access.open_console", fail)
    url = reverse("accounts:access", args=[hostile.project.slug, hostile.account.pk])
    response = client.post(url, HTTP_USER_AGENT=IMG_NAME)
    assert response.status_code == 502
    body = response.content.decode()
    assert not any(marker in body for marker in RAW_MARKERS)
    assert "&lt;img src=x" in body


def test_markup_names_render_escaped_in_the_admin_site(client, hostile):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    pages = [
        reverse("admin:resources_project_changelist"),
        reverse("admin:resources_project_change", args=[hostile.project.pk]),
        reverse("admin:resources_resource_changelist"),
        reverse("admin:resources_resource_change", args=[hostile.resource.pk]),
        reverse("admin:accounts_account_changelist"),
        reverse("admin:accounts_account_change", args=[hostile.account.pk]),
        reverse("admin:resources_membership_changelist"),
        reverse("admin:sessions_audit_accesssession_changelist"),
        reverse("admin:sessions_audit_accesssession_change", args=[hostile.session.pk]),
        reverse("admin:sessions_audit_auditevent_changelist"),
    ]
    for url in pages:
        _assert_escaped(client.get(url, follow=True))
    event = AuditEvent.objects.filter(target=SCRIPT_NAME).first()
    _assert_escaped(client.get(reverse("admin:sessions_audit_auditevent_change", args=[event.pk])))


def _export(client, project) -> list[dict]:
    response = client.get(reverse("sessions_audit:export", args=[project.slug]))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text, newline="")))


FORMULAS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1", '=HYPERLINK("http://x")']


@pytest.mark.parametrize("formula", FORMULAS)
def test_csv_export_neutralises_formulas_in_every_text_column(client, admin_user, formula):
    project = ProjectFactory(name=formula)
    MembershipFactory(project=project, user=admin_user, role=Membership.Role.ADMIN)
    account = AccountFactory(resource=ResourceFactory(project=project))
    AccessSessionFactory(
        account=account,
        project_name=formula,
        resource_name=formula,
        account_name=formula,
        user_agent=formula,
        status=AccessSession.Status.FAILED,
        failure_code=formula,
        failure_message=formula,
    )
    client.force_login(admin_user)

    (row,) = _export(client, project)

    for column in ("project", "resource", "account", "user_agent", "failure_code"):
        assert row[column] == "'" + formula, column
    assert row["failure_message"] == "'" + formula


def test_csv_export_keeps_markup_names_as_text(client, hostile):
    (row,) = _export(client, hostile.project)
    assert row["project"] == IMG_NAME
    assert row["resource"] == SCRIPT_NAME
    assert row["account"] == IMG_NAME
    assert row["user_agent"] == SCRIPT_NAME


def test_csv_export_of_a_user_agent_sent_at_access_is_neutralised(client, hostile, monkeypatch):
    # The user agent is the one column any member writes freely: through the Access click.
    url = reverse("accounts:access", args=[hostile.project.slug, hostile.account.pk])
    assert client.post(url, HTTP_USER_AGENT='=HYPERLINK("http://evil.example")').status_code == 302

    agents = {row["user_agent"] for row in _export(client, hostile.project)}

    assert "'" + '=HYPERLINK("http://evil.example")' in agents
    assert not any(agent.startswith(("=", "+", "-", "@")) for agent in agents)


def test_csv_export_is_a_download_not_a_page(client, hostile):
    response = client.get(reverse("sessions_audit:export", args=[hostile.project.slug]))
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


# Odd requests around the forms


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"],
)
def test_sign_in_never_redirects_off_site(client, member_user, next_url):
    response = client.post(
        reverse("login") + "?next=" + next_url,
        {"login": member_user.username, "password": "correct-horse-battery"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_an_oversized_form_body_is_refused_and_saves_nothing(admin_client, project):
    before = snapshot()
    response = admin_client.post(
        reverse("resources:create", args=[project.slug]),
        _resource_data(description="d" * 3_000_000),
    )
    assert response.status_code == 400
    assert snapshot() == before


@pytest.mark.parametrize("value", ["abc", "99999999999999999999", "-1"])
def test_account_form_ignores_a_bad_preselected_resource(admin_client, project, resource, value):
    response = admin_client.get(
        reverse("accounts:create", args=[project.slug]), {"resource": value}
    )
    assert response.status_code == 200


def test_account_form_does_not_show_another_projects_preselected_resource(
    admin_client, project, resource
):
    foreign = ResourceFactory(project=ProjectFactory(), name="someone-elses-bridge")
    response = admin_client.get(
        reverse("accounts:create", args=[project.slug]), {"resource": foreign.pk}
    )
    assert response.status_code == 200
    assert foreign.name not in response.content.decode()


@pytest.fixture
def console_opens(monkeypatch):
    def fake_open_console(**kwargs):
        assumed = SimpleNamespace(
            assumed_role_arn="arn:aws:sts::123456789012:assumed-role/ReadOnly/x",
            assumed_role_id="AROAEXAMPLE:x",
            expires_at=datetime.now(UTC) + timedelta(hours=1),
        )
        return assumed, "https://signin.aws.amazon.com/federation?Action=login"

    monkeypatch.setattr("accounts.access.open_console", fake_open_console)


@pytest.mark.parametrize(
    "agent", ["A" * 5000, "curl/8\x00\x01\x1b[2J", "\u202eevil", "", "😀" * 600]
)
def test_access_with_an_odd_user_agent_opens_and_records(
    client, member_user, account, console_opens, agent
):
    client.force_login(member_user)
    url = reverse("accounts:access", args=[account.resource.project.slug, account.pk])

    response = client.post(url, HTTP_USER_AGENT=agent, REMOTE_ADDR="not-an-ip")

    assert response.status_code == 302
    session = AccessSession.objects.get()
    assert len(session.user_agent) <= 512
    assert session.user_agent.isprintable()  # no NUL, escapes or direction overrides
    assert session.source_ip is None


@pytest.mark.parametrize("slug", ["x" * 5000, "../admin", "' OR 1=1 --"])
def test_project_switcher_with_a_bad_project_is_404(client, member_user, slug):
    client.force_login(member_user)
    response = client.get(reverse("project_switch"), {"project": slug})
    assert response.status_code == 404


def test_sign_in_with_a_nul_in_the_username_is_a_form_error(client):
    response = client.post(reverse("login"), {"login": "alice\x00", "password": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors


# NUL bytes: PostgreSQL refuses to store or compare text containing them, so one middleware
# answers 400 before any view or query sees them (tests run on PostgreSQL in CI).

NUL_QUERIES = {
    "session-filter-user": ("sessions_audit:list", {"user": "alice\x00"}),
    "session-filter-account": ("sessions_audit:list", {"account": "\x00"}),
    "session-export": ("sessions_audit:export", {"user": "\x00"}),
    "account-preselected-resource": ("accounts:create", {"resource": "\x00"}),
    "nul-in-a-parameter-name": ("accounts:list", {"x\x00": "1"}),
}


@pytest.mark.parametrize("case", sorted(NUL_QUERIES))
def test_a_nul_in_a_query_parameter_is_400(admin_client, project, case):
    name, query = NUL_QUERIES[case]
    before = snapshot()
    response = admin_client.get(reverse(name, args=[project.slug]), query)
    assert response.status_code == 400
    assert b"NUL" in response.content
    assert snapshot() == before


def test_a_nul_in_the_project_switcher_is_400(client, member_user):
    client.force_login(member_user)
    assert client.get(reverse("project_switch"), {"project": "\x00"}).status_code == 400


def test_a_nul_in_the_admin_autocomplete_is_400_not_500(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    query = {"term": "\x00", "app_label": "resources", "model_name": "membership",
             "field_name": "user"}  # fmt: skip
    response = client.get(reverse("admin:autocomplete"), query)
    assert response.status_code == 400


def test_a_nul_in_a_cookie_is_400(client, member_user):
    client.force_login(member_user)
    client.cookies["theme"] = "dark\x00"
    assert client.get(reverse("home")).status_code == 400
