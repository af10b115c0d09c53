"""Celery wiring, and one end-to-end run: the real Redis broker, a real worker process and a
moto server standing in for AWS.

The worker is a separate process, so it must see the test's database: this runs against
PostgreSQL (CI's DATABASE_URL) and hands the worker the test database's name. With SQLite (the
in-memory test database) it is skipped on a laptop and fails in CI, like a missing Redis.
"""

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import boto3
import pytest
import redis
from django.db import connection
from moto.server import ThreadedMotoServer

from pamsite.aws.policies import resource_role_trust_policy
from pamsite.celery import app
from resources.models import Resource
from resources.services import resource_create
from resources.validation import BROKER_UNAVAILABLE
from tests.conftest import service_unavailable

BASE_DIR = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("PAM_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
MOTO_ACCOUNT = "123456789012"
PLATFORM_ACCOUNT = os.environ.get("PAM_PLATFORM_ACCOUNT_ID", "111111111111")


def _python(code: str, **env) -> str:
    """Run `code` in a fresh interpreter with the given environment changes; its stdout."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "pamsite.settings", **env}
    for name, value in env.items():
        if value is None:
            environment.pop(name)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return result.stdout.strip()


CONF = (
    "import django; django.setup(); from pamsite.celery import app; "
    "print(app.conf.broker_url.split(':')[0], app.conf.task_always_eager)"
)


def test_without_redis_url_tasks_run_in_process():
    assert _python(CONF, REDIS_URL=None) == "memory True"


def test_with_redis_url_tasks_go_to_redis():
    assert _python(CONF, REDIS_URL="redis://127.0.0.1:6379/3") == "redis False"


def test_beat_schedule_names_registered_tasks():
    code = (
        "import django; django.setup(); from pamsite.celery import app; "
        "app.loader.import_default_modules(); import json; "
        "print(json.dumps([e['task'] in app.tasks for e in app.conf.beat_schedule.values()]))"
    )
    registered = json.loads(_python(code))
    assert registered and all(registered)


@contextlib.contextmanager
def celery_sending_to(broker_url: str, queue: str = "celery"):
    """This process's Celery app publishing to a real broker instead of running eagerly."""
    saved = {
        "broker_url": app.conf.broker_url,
        "task_always_eager": app.conf.task_always_eager,
        "task_default_queue": app.conf.task_default_queue,
    }

    def reset() -> None:
        app.close()  # drops the connection pool
        app.__dict__.pop("amqp", None)  # queues and routes are rebuilt from the new conf

    app.conf.update(broker_url=broker_url, task_always_eager=False, task_default_queue=queue)
    reset()
    try:
        yield
    finally:
        app.conf.update(**saved)
        reset()


@pytest.mark.django_db
def test_broker_down_saves_the_resource_quickly_as_pending(
    project, admin_user, django_capture_on_commit_callbacks
):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()

    with (
        celery_sending_to(f"redis://127.0.0.1:{port}/0"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        resource = resource_create(
            actor=admin_user, project=project, name="prod",
            resource_role_arn=f"arn:aws:iam::{MOTO_ACCOUNT}:role/PamBridge",
        )  # fmt: skip

    elapsed = time.monotonic() - started
    resource.refresh_from_db()
    assert resource.validation_status == Resource.ValidationStatus.PENDING
    assert resource.validation_code == BROKER_UNAVAILABLE
    assert elapsed < 5, f"a down broker held the request for {elapsed:.1f}s"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_broker():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.RedisError:
        service_unavailable(f"Redis at {REDIS_URL}")
    queue = f"pam-test-{uuid.uuid4().hex[:12]}"
    yield queue
    client.delete(queue, f"_kombu.binding.{queue}")
    client.close()


@pytest.fixture
def moto_server():
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def worker_database_url(transactional_db):
    if connection.vendor != "postgresql":
        service_unavailable(
            "PostgreSQL (set DATABASE_URL=postgres://...; a worker process cannot share "
            "SQLite's in-memory test database)"
        )
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@contextlib.contextmanager
def celery_worker(*, queue: str, env: dict, log: Path):
    """A real `celery worker` process on `queue`, stopped (warm shutdown) afterwards."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "pamsite.settings", **env}
    command = [
        sys.executable, "-m", "celery", "-A", "pamsite", "worker", "--pool", "solo",
        "--queues", queue, "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--loglevel", "INFO",
    ]  # fmt: skip
    with open(log, "w") as output:
        process = subprocess.Popen(  # noqa: S603
            command, cwd=BASE_DIR, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.mark.services
def test_worker_validates_a_resource_against_moto_through_redis(
    redis_broker, moto_server, worker_database_url, tmp_path
):
    from tests.factories import MembershipFactory

    admin = MembershipFactory(role="admin").user
    project = admin.memberships.get().project
    iam = boto3.client(
        "iam", region_name="us-east-1", endpoint_url=moto_server,
        aws_access_key_id="testing", aws_secret_access_key="testing",  # noqa: S106
    )  # fmt: skip
    trust = resource_role_trust_policy(
        platform_account_id=PLATFORM_ACCOUNT, external_id=project.external_id
    )
    iam.create_role(RoleName="PamBridge", AssumeRolePolicyDocument=json.dumps(trust))
    env = {
        "DATABASE_URL": worker_database_url,
        "REDIS_URL": REDIS_URL,
        "AWS_ENDPOINT_URL": moto_server,
        "PAM_PLATFORM_ACCOUNT_ID": PLATFORM_ACCOUNT,
    }
    log = tmp_path / "worker.log"

    with celery_sending_to(REDIS_URL, redis_broker):
        # Enqueued by the service after commit: this test's transactions are real.
        resource = resource_create(
            actor=admin, project=project, name="prod",
            resource_role_arn=f"arn:aws:iam::{MOTO_ACCOUNT}:role/PamBridge",
        )  # fmt: skip
    assert resource.validation_status == Resource.ValidationStatus.PENDING

    with celery_worker(queue=redis_broker, env=env, log=log) as worker:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and worker.poll() is None:
            resource.refresh_from_db()
            if resource.validation_status != Resource.ValidationStatus.PENDING:
                break
            time.sleep(0.25)
        running = worker.poll() is None

    assert running, f"the worker exited early:\n{log.read_text()[-3000:]}"
    assert resource.validation_status == Resource.ValidationStatus.VALID, (
        f"{resource.validation_code}: {resource.validation_hint}\n{log.read_text()[-3000:]}"
    )
    assert resource.validation_warnings == []
    assert resource.last_validated_at is not None
    assert "resources.tasks.resource_validate_task" in log.read_text()  # the worker ran it
