"""Authorization matrix: every URL in the URLconf, every role, GET and POST.

Each URL name must have an entry in MATRIX (a new URL without one fails
test_every_url_has_a_matrix_entry). An entry gives the methods the view accepts and the
status each role gets; a method the view does not accept is 405 for everyone. Whatever is
refused leaves no trace: every row of every product model is the same before and after, no
validation is queued, and nothing reaches AWS (botocore and httpx are trapped).

Roles: anonymous, a signed-in non-member, the project's auditor, member and admin, the
admin of another project, and a platform admin (Django staff) who is not in the project.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from access_requests.models import AccessRequest, Review
from access_requests.services import request_create
from accounts.models import Account
from identity.models import ConsolePreference
from notifications.models import Notification, SlackChannel
from resources.models import GroupRule, Invitation, Membership, Project, Resource
from sessions_audit.models import AccessSession, AuditEvent, SessionEvent, SessionEvidence
from tests.factories import (
    AccessSessionFactory,
    AccountFactory,
    MembershipFactory,
    ProjectFactory,
    ResourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "non_member", "auditor", "member", "admin", "other_admin", "staff")
ARN = "arn:aws:iam::123456789012:role/PamBridge"
TARGET_ARN = "arn:aws:iam::123456789012:role/ReadOnly"

# Expected outcomes. "login": 302 to the sign-in page; "redirect": any other 302.
LOGIN, REDIRECT = "login", "redirect"


def row(*outcomes):
    """One outcome per role, in ROLES order."""
    assert len(outcomes) == len(ROLES)
    return dict(zip(ROLES, outcomes, strict=True))


# Columns: anonymous, non_member, auditor, member, admin, other_admin, staff.
EVERYONE_200 = row(200, 200, 200, 200, 200, 200, 200)
EVERYONE_403 = row(403, 403, 403, 403, 403, 403, 403)
EVERYONE_404 = row(404, 404, 404, 404, 404, 404, 404)
SIGNED_IN_200 = row(LOGIN, 200, 200, 200, 200, 200, 200)
SIGNED_IN_404 = row(LOGIN, 404, 404, 404, 404, 404, 404)
SIGNED_IN_ELSEWHERE = row(LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT)
PROJECT_READ = row(LOGIN, 404, 200, 200, 200, 404, 404)
PROJECT_REDIRECT = row(LOGIN, 404, REDIRECT, REDIRECT, REDIRECT, 404, 404)
ADMIN_PAGE = row(LOGIN, 404, 403, 403, 200, 404, 404)
ADMIN_WRITE = row(LOGIN, 404, 403, 403, REDIRECT, 404, 404)
AUDIT_READ = row(LOGIN, 404, 200, 403, 200, 404, 404)
SIGNED_IN_REDIRECT = row(200, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT)


@dataclass(frozen=True)
class Entry:
    """What one URL accepts and answers. `kwargs(world)` fills the URL; `data(world)` is a
    valid POST body (so a refusal is the only thing that can stop the write); `writes` marks
    a POST whose allowed outcome changes rows."""

    get: dict | None = None
    post: dict | None = None
    kwargs: object = lambda w: {}
    query: object = lambda w: {}
    data: object = lambda w: {}
    writes: bool = False
    extra: dict = field(default_factory=dict)


def _slug(w):
    return {"slug": w.project.slug}


MATRIX: dict[str, Entry] = {
    # One project: straight to it; none (non-member) or a platform admin: the list.
    "home": Entry(get=row(LOGIN, 200, REDIRECT, REDIRECT, REDIRECT, REDIRECT, 200)),
    "healthz": Entry(get=EVERYONE_200),
    "project_switch": Entry(get=PROJECT_REDIRECT, query=lambda w: {"project": w.project.slug}),
    "login": Entry(
        get=SIGNED_IN_REDIRECT,
        # A wrong password: the form again, nothing written.
        post=SIGNED_IN_REDIRECT,
        data=lambda w: {"login": w.users["member"].username, "password": "wrong"},
    ),
    "logout": Entry(post=row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)),
    # Everyone signed in sets their own console preference (tests/identity/test_preference.py).
    "console_preference": Entry(
        post=row(LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
        data=lambda w: {"sign_out_first": "on"},
        writes=True,
    ),
    # The names allauth reverses in its flows: the same views as login and logout, its
    # inactive-account and SSO outcome pages, and sign-up, which is closed to everyone.
    "account_login": Entry(
        get=SIGNED_IN_REDIRECT,
        post=SIGNED_IN_REDIRECT,
        data=lambda w: {"login": w.users["member"].username, "password": "wrong"},
    ),
    "account_logout": Entry(post=row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)),
    "account_inactive": Entry(get=EVERYONE_200),
    "account_signup": Entry(get=EVERYONE_403),
    "socialaccount_signup": Entry(get=EVERYONE_403),
    "socialaccount_login_cancelled": Entry(get=EVERYONE_200),
    # allauth answers a failed SSO sign-in with 401 and its error page.
    "socialaccount_login_error": Entry(get=row(401, 401, 401, 401, 401, 401, 401)),
    # The second factor's pages (allauth.mfa): the signed-in person's own, nobody else's.
    "account_reauthenticate": Entry(get=SIGNED_IN_200, post=SIGNED_IN_200),
    "mfa_index": Entry(get=SIGNED_IN_200, post=row(LOGIN, 405, 405, 405, 405, 405, 405)),
    # Nothing to finish or confirm without a sign-in in progress / a recent password: away.
    "mfa_authenticate": Entry(get=SIGNED_IN_ELSEWHERE, post=SIGNED_IN_ELSEWHERE),
    "mfa_reauthenticate": Entry(get=SIGNED_IN_ELSEWHERE, post=SIGNED_IN_ELSEWHERE),
    "mfa_activate_totp": Entry(get=SIGNED_IN_ELSEWHERE, post=SIGNED_IN_ELSEWHERE),
    "mfa_generate_recovery_codes": Entry(get=SIGNED_IN_ELSEWHERE, post=SIGNED_IN_ELSEWHERE),
    # Nobody in the matrix has a second factor: nothing of theirs to see or remove.
    "mfa_deactivate_totp": Entry(get=SIGNED_IN_404, post=SIGNED_IN_404),
    "mfa_view_recovery_codes": Entry(
        get=SIGNED_IN_404, post=row(LOGIN, 405, 405, 405, 405, 405, 405)
    ),
    "mfa_download_recovery_codes": Entry(get=SIGNED_IN_404, post=SIGNED_IN_404),
    # Security keys (WebAuthn): the list is one's own; adding, changing or removing one asks
    # for the password again first, whatever the key (a stranger's id included).
    "mfa_list_webauthn": Entry(get=SIGNED_IN_200, post=row(LOGIN, 405, 405, 405, 405, 405, 405)),
    "mfa_add_webauthn": Entry(get=SIGNED_IN_ELSEWHERE, post=SIGNED_IN_ELSEWHERE),
    "mfa_reauthenticate_webauthn": Entry(get=SIGNED_IN_ELSEWHERE, post=SIGNED_IN_ELSEWHERE),
    "mfa_remove_webauthn": Entry(
        get=SIGNED_IN_ELSEWHERE, post=SIGNED_IN_ELSEWHERE, kwargs=lambda w: {"pk": 999999}
    ),
    "mfa_edit_webauthn": Entry(
        get=SIGNED_IN_ELSEWHERE, post=SIGNED_IN_ELSEWHERE, kwargs=lambda w: {"pk": 999999}
    ),
    # No provider is configured in this matrix: an unknown provider id is a 404, and nothing
    # reaches an identity provider (tests/identity/ runs the flow against a real one).
    "openid_connect_login": Entry(
        get=EVERYONE_404, post=EVERYONE_404, kwargs=lambda w: {"provider_id": "nope"}
    ),
    "openid_connect_callback": Entry(
        get=EVERYONE_404, post=EVERYONE_404, kwargs=lambda w: {"provider_id": "nope"}
    ),
    "project_create": Entry(
        get=row(LOGIN, 403, 403, 403, 403, 403, 200),
        post=row(LOGIN, 403, 403, 403, 403, 403, REDIRECT),
        data=lambda w: {"name": "New project", "slug": "new-project"},
        writes=True,
    ),
    "resources:project": Entry(get=PROJECT_REDIRECT, kwargs=_slug),
    "resources:list": Entry(get=PROJECT_READ, kwargs=_slug),
    "resources:create": Entry(
        get=ADMIN_PAGE,
        post=ADMIN_WRITE,
        kwargs=_slug,
        # Another bridge role: the project's resource already has ARN (one Resource per role).
        data=lambda w: {"name": "new-resource", "resource_role_arn": ARN + "2"},
        writes=True,
    ),
    "resources:edit": Entry(
        get=PROJECT_READ,
        post=ADMIN_WRITE,
        kwargs=lambda w: {**_slug(w), "pk": w.resource.pk},
        data=lambda w: {"name": "renamed", "resource_role_arn": ARN + "2"},
        writes=True,
    ),
    "resources:status": Entry(
        get=PROJECT_REDIRECT, kwargs=lambda w: {**_slug(w), "pk": w.resource.pk}
    ),
    "resources:validate": Entry(
        post=ADMIN_WRITE, kwargs=lambda w: {**_slug(w), "pk": w.resource.pk}, writes=True
    ),
    # Confirmed (a POST without confirm=yes is the page that asks: tests/resources/).
    "resources:retire": Entry(
        post=ADMIN_WRITE,
        kwargs=lambda w: {**_slug(w), "pk": w.resource.pk},
        data=lambda w: {"confirm": "yes"},
        writes=True,
    ),
    "resources:members": Entry(
        get=ADMIN_PAGE,
        post=ADMIN_WRITE,
        kwargs=_slug,
        data=lambda w: {"email": w.users["non_member"].email, "role": "admin"},
        writes=True,
    ),
    "resources:member_remove": Entry(
        post=ADMIN_WRITE,
        kwargs=lambda w: {**_slug(w), "pk": w.victim_membership.pk},
        data=lambda w: {"confirm": "yes"},
        writes=True,
    ),
    "resources:invitation_cancel": Entry(
        post=ADMIN_WRITE,
        kwargs=lambda w: {**_slug(w), "pk": w.invitation.pk},
        writes=True,
    ),
    "resources:group_rule_add": Entry(
        post=ADMIN_WRITE,
        kwargs=_slug,
        data=lambda w: {"rule-group": "aws-readers", "rule-role": "member"},
        writes=True,
    ),
    "resources:group_rule_remove": Entry(
        post=ADMIN_WRITE,
        kwargs=lambda w: {**_slug(w), "pk": w.rule.pk},
        writes=True,
    ),
    "accounts:list": Entry(get=PROJECT_READ, kwargs=_slug),
    "accounts:create": Entry(
        get=ADMIN_PAGE,
        post=ADMIN_WRITE,
        kwargs=_slug,
        data=lambda w: {
            "resource": w.resource.pk,
            "name": "new-account",
            "target_role_arn": TARGET_ARN,
            "session_duration": "1h",
        },
        writes=True,
    ),
    "accounts:edit": Entry(
        get=ADMIN_PAGE,
        post=ADMIN_WRITE,
        kwargs=lambda w: {**_slug(w), "pk": w.account.pk},
        data=lambda w: {
            "name": "renamed",
            "target_role_arn": TARGET_ARN + "2",
            "session_duration": "30m",
        },
        writes=True,
    ),
    "accounts:retire": Entry(
        post=ADMIN_WRITE,
        kwargs=lambda w: {**_slug(w), "pk": w.account.pk},
        data=lambda w: {"confirm": "yes"},
        writes=True,
    ),
    "accounts:access": Entry(
        post=row(LOGIN, 404, 403, REDIRECT, REDIRECT, 404, 404),
        kwargs=lambda w: {**_slug(w), "pk": w.account.pk},
        writes=True,
    ),
    # The world's account asks for no step-up: members are sent back to the accounts list
    # (tests/identity/test_step_up.py has the page itself).
    "accounts:step_up": Entry(
        get=row(LOGIN, 404, 403, REDIRECT, REDIRECT, 404, 404),
        kwargs=lambda w: {**_slug(w), "pk": w.account.pk},
    ),
    # Revocation: admins only; the world's Resource has revocation off, so an admin's POST is
    # refused by the service with a message (tests/accounts/test_revocation.py does the rest).
    "accounts:session_revoke": Entry(
        post=row(LOGIN, 404, 403, 403, REDIRECT, 404, 404),
        kwargs=lambda w: {**_slug(w), "pk": w.session.pk},
        data=lambda w: {"reason": "matrix"},
    ),
    "accounts:sessions_revoke": Entry(
        post=row(LOGIN, 404, 403, 403, REDIRECT, 404, 404),
        kwargs=lambda w: {**_slug(w), "pk": w.account.pk},
        data=lambda w: {"reason": "matrix", "confirm": "yes"},
    ),
    # Everyone's own sessions, whatever their projects.
    "sessions_audit:mine": Entry(get=row(LOGIN, 200, 200, 200, 200, 200, 200)),
    # Requests: the world holds a pending request by a third member for an on-request account.
    "access_requests:list": Entry(get=row(LOGIN, 404, 200, 200, 200, 404, 404), kwargs=_slug),
    "access_requests:create": Entry(
        get=row(LOGIN, 404, 403, 200, 200, 404, 404),
        post=row(LOGIN, 404, 403, 200, 200, 404, 404),
        kwargs=_slug,
    ),
    "access_requests:detail": Entry(
        get=row(LOGIN, 404, 200, 403, 200, 404, 404),
        kwargs=lambda w: {**_slug(w), "pk": w.access_request.pk},
    ),
    "access_requests:review": Entry(
        post=row(LOGIN, 404, 403, 403, REDIRECT, 404, 404),
        kwargs=lambda w: {**_slug(w), "pk": w.access_request.pk},
        data=lambda w: {"decision": "approve"},
        writes=True,
    ),
    "access_requests:cancel": Entry(
        post=row(LOGIN, 404, 403, 403, 403, 404, 404),
        kwargs=lambda w: {**_slug(w), "pk": w.access_request.pk},
    ),
    "access_requests:end": Entry(
        post=row(LOGIN, 404, 403, 403, REDIRECT, 404, 404),
        kwargs=lambda w: {**_slug(w), "pk": w.access_request.pk},
        data=lambda w: {"reason": "matrix"},
    ),
    "access_requests:after_review": Entry(
        post=row(LOGIN, 404, 403, 403, REDIRECT, 404, 404),
        kwargs=lambda w: {**_slug(w), "pk": w.access_request.pk},
        data=lambda w: {"comment": "matrix"},
    ),
    # A project's Slack webhook: admins only (no PAM_ENCRYPTION_KEY in the matrix, so an
    # admin's POST is refused with a message and stores nothing; removing none writes nothing).
    "notifications:slack_set": Entry(
        post=ADMIN_WRITE,
        kwargs=_slug,
        data=lambda w: {"webhook": "https://hooks.slack.com/services/x"},
    ),
    "notifications:slack_remove": Entry(post=ADMIN_WRITE, kwargs=_slug),
    "sessions_audit:list": Entry(get=AUDIT_READ, kwargs=_slug),
    "sessions_audit:audit": Entry(get=AUDIT_READ, kwargs=_slug),
    "sessions_audit:audit_export": Entry(get=AUDIT_READ, kwargs=_slug),
    "sessions_audit:evidence": Entry(
        get=AUDIT_READ, kwargs=lambda w: {**_slug(w), "pk": w.session.pk}
    ),
    # Console activity is off for the world's Resource: an admin is told so, nothing is read.
    "sessions_audit:fetch_events": Entry(
        post=ADMIN_WRITE, kwargs=lambda w: {**_slug(w), "pk": w.session.pk}
    ),
    "sessions_audit:export": Entry(get=AUDIT_READ, kwargs=_slug),
    "sessions_audit:detail": Entry(
        get=AUDIT_READ, kwargs=lambda w: {**_slug(w), "pk": w.session.pk}
    ),
}


def _walk(patterns, namespace="", prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            full_ns = ":".join(part for part in (namespace, ns) if part)
            yield from _walk(pattern.url_patterns, full_ns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            name = pattern.name or prefix + str(pattern.pattern)
            yield (f"{namespace}:{name}" if namespace else name), prefix + str(pattern.pattern)


def url_names() -> dict[str, str]:
    """Every routed URL outside the admin site: name -> route."""
    return {
        name: route
        for name, route in _walk(get_resolver().url_patterns)
        if not route.startswith("admin/")
    }


def test_every_url_has_a_matrix_entry():
    assert set(url_names()) == set(MATRIX)


# The world every case runs in.


@pytest.fixture
def world():
    project = ProjectFactory()
    other = ProjectFactory()
    users = {"anonymous": None, "non_member": UserFactory()}
    for role in ("auditor", "member", "admin"):
        users[role] = MembershipFactory(project=project, role=role).user
    users["other_admin"] = MembershipFactory(project=other, role="admin").user
    users["staff"] = UserFactory(is_staff=True)
    resource = ResourceFactory(project=project, resource_role_arn=ARN)
    account = AccountFactory(resource=resource, target_role_arn=TARGET_ARN)
    other_resource = ResourceFactory(project=other)
    other_account = AccountFactory(resource=other_resource)
    gated = AccountFactory(resource=resource, target_role_arn=TARGET_ARN, access_policy="request")
    requester = MembershipFactory(project=project, role="member").user
    access_request = request_create(actor=requester, account=gated, reason="matrix", seconds=900)
    return SimpleNamespace(
        gated=gated,
        access_request=access_request,
        project=project,
        other=other,
        users=users,
        resource=resource,
        account=account,
        session=AccessSessionFactory(account=account, user=users["member"]),
        victim_membership=MembershipFactory(project=project, role="member"),
        rule=GroupRule.objects.create(project=project, group="aws-admins", role="admin"),
        invitation=Invitation.objects.create(project=project, email="new@x.io", role="member"),
        other_resource=other_resource,
        other_account=other_account,
        other_session=AccessSessionFactory(account=other_account, user=users["other_admin"]),
        other_victim=MembershipFactory(project=other, role="member"),
    )


MODELS = (
    SessionEvent,
    SessionEvidence,
    Notification,
    SlackChannel,
    AccessRequest,
    Review,
    ConsolePreference,
    AccessSession,
    AuditEvent,
    Resource,
    Account,
    Membership,
    GroupRule,
    Invitation,
    Project,
    get_user_model(),
)


def snapshot() -> dict:
    """Every row of every product model (and users): equal snapshots, nothing written."""
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}


@pytest.fixture
def aws_calls(monkeypatch):
    """Everything that would reach AWS or the federation endpoint, recorded and refused.

    The Access click's AWS part is replaced by a fake that succeeds (and is recorded), so an
    allowed Access can be told apart from a refused one; below it, botocore and httpx raise.
    """
    calls = []

    def trap(name):
        def refuse(*args, **kwargs):
            calls.append(name)
            raise AssertionError(f"{name} called: a test reached for AWS")

        return refuse

    monkeypatch.setattr("botocore.client.BaseClient._make_api_call", trap("botocore"))
    monkeypatch.setattr("httpx.Client.send", trap("httpx"))
    monkeypatch.setattr("pamsite.aws.chain.chain", trap("chain"))
    monkeypatch.setattr("accounts.access.chain", trap("chain"))

    def fake_open_console(**kwargs):
        calls.append("open_console")
        assumed = SimpleNamespace(
            assumed_role_arn="arn:aws:sts::123456789012:assumed-role/ReadOnly/x",
            assumed_role_id="AROAEXAMPLE:x",
            expires_at=datetime.now(UTC) + timedelta(hours=1),
        )
        return assumed, "https://signin.aws.amazon.com/federation?Action=login"

    monkeypatch.setattr("accounts.access.open_console", fake_open_console)
    return calls


@pytest.fixture
def queued(monkeypatch):
    """Validations sent to the task queue."""
    from accounts.tasks import account_validate_task
    from resources.tasks import resource_validate_task

    sent = []
    monkeypatch.setattr(resource_validate_task, "delay", lambda pk: sent.append(("r", pk)))
    monkeypatch.setattr(account_validate_task, "delay", lambda pk: sent.append(("a", pk)))
    return sent


def _cases():
    for name in MATRIX:
        for method in ("get", "post"):
            for role in ROLES:
                yield pytest.param(name, method, role, id=f"{name}-{method}-{role}")


def _expected(entry: Entry, method: str, role: str):
    table = getattr(entry, method)
    return 405 if table is None else table[role]


def _client_for(world, role) -> Client:
    client = Client(raise_request_exception=False)
    if world.users[role] is not None:
        client.force_login(world.users[role])
    return client


def _request(client, world, name, method):
    entry = MATRIX[name]
    url = reverse(name, kwargs=entry.kwargs(world))
    if method == "get":
        return client.get(url, entry.query(world))
    return client.post(url, entry.data(world))


def _assert_outcome(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302, response.content[:500]
        assert response["Location"].startswith(reverse("login"))
    elif expected == REDIRECT:
        assert response.status_code == 302, response.content[:500]
        assert not response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected, response.content[:500]


@pytest.mark.parametrize(("name", "method", "role"), list(_cases()))
def test_matrix(world, aws_calls, queued, django_capture_on_commit_callbacks, name, method, role):
    entry = MATRIX[name]
    expected = _expected(entry, method, role)
    client = _client_for(world, role)
    before = snapshot()

    with django_capture_on_commit_callbacks(execute=True):
        response = _request(client, world, name, method)

    _assert_outcome(response, expected)
    allowed_write = method == "post" and entry.writes and expected == REDIRECT
    if allowed_write:
        # The same request from a role that may make it does write: the checks below are
        # not vacuous for the refused roles.
        assert snapshot() != before
        if name == "accounts:access":
            assert aws_calls == ["open_console"]
    else:
        assert snapshot() == before
        assert aws_calls == []
        assert queued == []


# Another project's admin aiming at this project's objects through their own project's URL.

PK_URLS = {
    "resources:edit": lambda w: w.resource.pk,
    "resources:status": lambda w: w.resource.pk,
    "resources:validate": lambda w: w.resource.pk,
    "resources:retire": lambda w: w.resource.pk,
    "resources:member_remove": lambda w: w.victim_membership.pk,
    "resources:group_rule_remove": lambda w: w.rule.pk,
    "resources:invitation_cancel": lambda w: w.invitation.pk,
    "accounts:edit": lambda w: w.account.pk,
    "accounts:retire": lambda w: w.account.pk,
    "accounts:access": lambda w: w.account.pk,
    "accounts:step_up": lambda w: w.account.pk,
    "accounts:sessions_revoke": lambda w: w.account.pk,
    "accounts:session_revoke": lambda w: w.session.pk,
    "sessions_audit:detail": lambda w: w.session.pk,
    "sessions_audit:fetch_events": lambda w: w.session.pk,
    "sessions_audit:evidence": lambda w: w.session.pk,
    "access_requests:detail": lambda w: w.access_request.pk,
    "access_requests:review": lambda w: w.access_request.pk,
    "access_requests:cancel": lambda w: w.access_request.pk,
    "access_requests:end": lambda w: w.access_request.pk,
    "access_requests:after_review": lambda w: w.access_request.pk,
}


def test_every_url_with_an_object_id_is_in_the_cross_project_list():
    # Project objects only: a security key's id (allauth.mfa) is looked up among the signed-in
    # person's own keys, whoever's project.
    with_ids = {
        name
        for name, route in url_names().items()
        if ("<int:pk>" in route or "<uuid:pk>" in route) and not route.startswith("auth/mfa/")
    }
    assert with_ids == set(PK_URLS)


@pytest.mark.parametrize(
    ("name", "method"),
    [
        (name, method)
        for name in sorted(PK_URLS)
        for method in ("get", "post")
        if getattr(MATRIX[name], method) is not None
    ],
)
def test_other_projects_admin_cannot_reach_objects_through_their_own_project(
    world, aws_calls, queued, django_capture_on_commit_callbacks, name, method
):
    entry = MATRIX[name]
    client = _client_for(world, "other_admin")
    url = reverse(name, kwargs={"slug": world.other.slug, "pk": PK_URLS[name](world)})
    before = snapshot()

    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(client, method)(url, entry.data(world) if method == "post" else {})

    assert response.status_code == 404
    assert snapshot() == before
    assert (aws_calls, queued) == ([], [])


# CSRF: every POST needs the token, even from a role that may make it.

POST_URLS = sorted(name for name, entry in MATRIX.items() if entry.post is not None)


@pytest.mark.parametrize("name", POST_URLS)
def test_post_without_csrf_token_is_refused(world, aws_calls, queued, name):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(world.users["admin"])
    entry = MATRIX[name]
    before = snapshot()

    response = client.post(reverse(name, kwargs=entry.kwargs(world)), entry.data(world))

    assert response.status_code == 403
    assert snapshot() == before
    assert (aws_calls, queued) == ([], [])


# The admin site: staff only. Everyone else is sent to its sign-in page.


def _admin_urls() -> list[str]:
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls += [reverse(f"{prefix}_changelist"), reverse(f"{prefix}_add")]
    return urls


@pytest.mark.parametrize("role", ["anonymous", "non_member", "member", "admin"])
def test_admin_site_sends_non_staff_to_its_sign_in(world, role):
    client = _client_for(world, role)
    for url in _admin_urls():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_admin_site_add_by_non_staff_writes_nothing(world, aws_calls, queued, role):
    client = _client_for(world, role)
    before = snapshot()

    response = client.post(
        reverse("admin:resources_resource_add"),
        {
            "project": world.project.pk,
            "name": "via-admin",
            "resource_role_arn": ARN,
            "accounts-TOTAL_FORMS": "0",
            "accounts-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert snapshot() == before
    assert (aws_calls, queued) == ([], [])


@pytest.mark.parametrize("role", ROLES)
def test_an_on_request_account_opens_for_no_role_without_a_grant(world, aws_calls, queued, role):
    """Whoever clicks Access on an on-request account without a grant: nothing reaches AWS and
    nothing is recorded (members and admins are sent to ask for it)."""
    client = _client_for(world, role)
    before = snapshot()
    response = client.post(
        reverse("accounts:access", kwargs={"slug": world.project.slug, "pk": world.gated.pk})
    )
    expected = {
        "anonymous": LOGIN,
        "non_member": 404,
        "auditor": 403,
        "other_admin": 404,
        "staff": 404,
    }.get(role, REDIRECT)
    _assert_outcome(response, expected)
    if expected == REDIRECT:
        assert response["Location"].startswith(
            reverse("access_requests:create", kwargs={"slug": world.project.slug})
        )
    assert snapshot() == before
    assert aws_calls == []
