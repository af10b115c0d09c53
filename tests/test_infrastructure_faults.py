"""Infrastructure faults.

Redis down (the cache and the Celery broker both on a closed port): an Access click still
opens the console, and a new Resource still saves through the view, pending, with a message
that its validation runs when the broker is back.

PostgreSQL down, for real: a fresh process with DATABASE_URL on a closed port answers the
pages that need the database with the 503 page, with no traceback and nothing of the error.
"""

import contextlib
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from pamsite.celery import app
from resources.models import Resource
from resources.validation import BROKER_UNAVAILABLE, BROKER_UNAVAILABLE_HINT
from sessions_audit.models import AccessSession
from tests.aws.fixtures import SIGNIN_URL

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent
# Port 1 (tcpmux): nothing listens there, and connecting is refused at once.
CLOSED = "127.0.0.1:1"
ARN = "arn:aws:iam::123456789012:role/PamBridge"


@contextlib.contextmanager
def celery_publishing_to(broker_url: str):
    """This process's Celery app sending to a broker instead of running tasks eagerly, as in
    production with REDIS_URL set."""
    saved = {
        "broker_url": app.conf.broker_url,
        "task_always_eager": app.conf.task_always_eager,
    }

    def reset() -> None:
        # Drop the connection pool and the cached producer setup. (Not app.close(): that
        # deregisters the app, and threads such as a live server's then fall back to an empty
        # default app without our tasks.)
        if app._pool is not None:
            app._pool.force_close_all()
            app._pool = None
        app.__dict__.pop("amqp", None)

    app.conf.update(broker_url=broker_url, task_always_eager=False)
    reset()
    try:
        yield
    finally:
        app.conf.update(**saved)
        reset()


@pytest.fixture
def redis_down():
    """The shared cache and the Celery broker both point at a Redis that is not there.
    (override_settings rather than the settings fixture: the cache must be back before the
    autouse cache-clearing fixture tears down.)"""
    url = f"redis://{CLOSED}/0"
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "pam",
        }
    }
    with override_settings(REDIS_URL=url, CACHES=caches), celery_publishing_to(url):
        with pytest.raises(Exception, match="(?i)connect"):
            cache.set("probe", 1)  # the fixture really took Redis away
        yield url


def test_access_opens_the_console_with_redis_down(client, access_world, redis_down, caplog):
    client.force_login(access_world.member)
    url = reverse("accounts:access", args=[access_world.project.slug, access_world.account.pk])
    started = time.monotonic()

    with caplog.at_level(logging.WARNING, logger="pamsite.security"):
        response = client.post(url)

    elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert response["Location"].startswith(SIGNIN_URL + "?Action=login")
    assert AccessSession.objects.get().status == AccessSession.Status.ACTIVE
    # The rate limit could not count: it says so instead of locking people out.
    assert "rate limit not enforced" in caplog.text
    assert elapsed < 5, f"a down Redis held the Access click for {elapsed:.1f}s"


def test_new_resource_saves_through_the_view_with_redis_down(
    client, admin_user, project, redis_down, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    started = time.monotonic()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("resources:create", args=[project.slug]),
            {"name": "prod", "description": "", "resource_role_arn": ARN},
        )

    elapsed = time.monotonic() - started
    assert response.status_code == 302
    resource = Resource.objects.get(project=project, name="prod")
    assert resource.validation_status == Resource.ValidationStatus.PENDING
    assert resource.validation_code == BROKER_UNAVAILABLE
    assert elapsed < 5, f"a down broker held the request for {elapsed:.1f}s"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert BROKER_UNAVAILABLE_HINT in page.content.decode()


def test_resource_list_shows_why_validation_waits_with_redis_down(
    client, admin_user, project, redis_down, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("resources:create", args=[project.slug]),
            {"name": "prod", "description": "", "resource_role_arn": ARN},
        )

    page = client.get(reverse("resources:list", args=[project.slug]))

    assert "when the broker is back" in page.content.decode()


def test_validate_again_with_redis_down_keeps_the_resource_pending(
    client, admin_user, project, redis_down, django_capture_on_commit_callbacks
):
    resource = Resource.objects.create(
        project=project, name="prod", resource_role_arn=ARN, validation_status="invalid"
    )
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("resources:validate", args=[project.slug, resource.pk]))

    assert response.status_code == 302
    resource.refresh_from_db()
    assert (resource.validation_status, resource.validation_code) == (
        "pending",
        BROKER_UNAVAILABLE,
    )


def test_pages_render_with_redis_down(client, member_user, project, redis_down):
    # Nothing but the rate limit and the broker uses Redis: pages do not depend on it.
    client.force_login(member_user)
    for url in (reverse("home"), reverse("accounts:list", args=[project.slug])):
        assert client.get(url, follow=True).status_code == 200


# PostgreSQL down: a real process, a real connection refused.

DB_DOWN_SCRIPT = r"""
import json, sys
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
results = {}
def record(label, response):
    results[label] = {
        "status": response.status_code,
        "retry_after": response.get("Retry-After", ""),
        "content_type": response.get("Content-Type", ""),
        "body": response.content.decode("utf-8", "replace"),
    }
signed_in = Client(raise_request_exception=False)
signed_in.cookies["sessionid"] = "a" * 32
anonymous = Client(raise_request_exception=False)
record("home", signed_in.get("/", secure=True))
record("login_get", signed_in.get("/login/", secure=True))
record("resources", signed_in.get("/projects/some-project/resources/", secure=True))
record("access", signed_in.post("/projects/some-project/accounts/1/access/", secure=True))
record("login_post", anonymous.post(
    "/login/", {"login": "alice", "password": "correct-horse-battery"}, secure=True
))
record("healthz", anonymous.get("/healthz", secure=True))
record("htmx", signed_in.get(
    "/projects/some-project/sessions/", secure=True, headers={"HX-Request": "true"}
))
sys.stdout.write(json.dumps(results))
"""


@pytest.fixture(scope="module")
def database_down_responses():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pamsite.settings",
        "DATABASE_URL": f"postgres://postgres:s3cret-db-password@{CLOSED}/pam",
        "DJANGO_SECRET_KEY": "infrastructure-fault-test-key-0123456789-abcdefghij",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "true",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", DB_DOWN_SCRIPT],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout), result.stderr


LABELS = ["home", "login_get", "resources", "access", "login_post", "healthz", "htmx"]


@pytest.mark.parametrize("label", LABELS)
def test_database_down_answers_503_try_again(database_down_responses, label):
    responses, _ = database_down_responses
    response = responses[label]
    assert response["status"] == 503
    assert response["retry_after"] == "30"
    assert "Temporarily unavailable" in response["body"]


@pytest.mark.parametrize("label", LABELS)
def test_database_down_page_shows_no_traceback_or_error(database_down_responses, label):
    body = database_down_responses[0][label]["body"]
    for leak in (
        "Traceback",
        "OperationalError",
        "psycopg",
        "connection",
        "127.0.0.1",
        "s3cret-db-password",
        'File "',
    ):
        assert leak not in body, leak


def test_database_down_is_logged_for_the_operator_without_the_password(
    database_down_responses,
):
    _, stderr = database_down_responses
    assert "OperationalError" in stderr  # the operator gets the traceback in the log
    assert "s3cret-db-password" not in stderr
