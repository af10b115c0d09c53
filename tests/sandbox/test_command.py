"""`manage.py sandbox`: the README's first command."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from sandbox.management.commands.sandbox import Command as SandboxCommand
from sandbox.management.commands.sandbox import port_free, sandbox_environment

DB = Path("/srv/pam/sandbox.sqlite3")


def test_sandbox_refuses_to_start_with_debug_off():
    assert not settings.DEBUG
    with pytest.raises(CommandError, match="only with DEBUG on"):
        call_command(SandboxCommand())


def test_sandbox_environment_never_inherits_real_aws_credentials(monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "real-token")
    env = sandbox_environment(web_port=8000, moto_port=5000, database=DB)
    assert "AWS_PROFILE" not in env
    assert "AWS_SESSION_TOKEN" not in env
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"


def test_sandbox_environment_uses_its_own_database_and_no_broker(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://prod.example/pam")
    monkeypatch.setenv("REDIS_URL", "redis://prod.example:6379/0")
    env = sandbox_environment(web_port=8000, moto_port=5000, database=DB)
    assert env["DATABASE_URL"] == f"sqlite:///{DB}"
    assert "REDIS_URL" not in env


def test_sandbox_environment_points_federation_and_issuer_at_the_sandbox():
    env = sandbox_environment(web_port=8123, moto_port=5000, database=DB)
    assert env["PAM_FEDERATION_ENDPOINT"] == "http://127.0.0.1:8123/sandbox/federation"
    assert env["PAM_ISSUER_URL"] == "http://127.0.0.1:8123/"
    assert env["PAM_SANDBOX"] == "true"
    assert env["DJANGO_DEBUG"] == "true"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_sandbox_serves_the_product_and_stops_cleanly_on_ctrl_c(tmp_path):
    port = _free_port()
    env = {**os.environ, "DJANGO_DEBUG": "true"}
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "sandbox", "--port", str(port),
         "--database", str(tmp_path / "sandbox.sqlite3")],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/login/", timeout=1).status_code
                break
            except httpx.HTTPError:
                time.sleep(0.25)
        assert status == 200
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert "member   password " in output
    assert port_free(port)


def _manage(*args, env_extra: dict, cwd=None) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "PAM_"))
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args],
        env={**env, **env_extra},
        cwd=cwd or settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_starting_without_debug_prints_the_one_line_the_readme_promises():
    done = _manage("sandbox", env_extra={})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "The sandbox runs only with DEBUG on: it prints passwords and simulates AWS, and must "
        "never run as a deployment. Start it with: DJANGO_DEBUG=true python manage.py sandbox"
    ]


def test_a_missing_setting_is_one_line_not_a_traceback():
    done = _manage("check", env_extra={})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        "Configuration error: DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off."
    )


def test_createsuperuser_works_against_the_sandbox_database_as_the_readme_says(tmp_path):
    """README: DJANGO_DEBUG=true DATABASE_URL=sqlite:///$PWD/sandbox.sqlite3 manage.py
    createsuperuser (here with --noinput, the password from the environment)."""
    database = tmp_path / "sandbox.sqlite3"
    env = {"DJANGO_DEBUG": "true", "DATABASE_URL": f"sqlite:///{database}"}
    assert _manage("migrate", "--noinput", env_extra=env).returncode == 0
    done = _manage(
        "createsuperuser",
        "--noinput",
        "--username",
        "root",
        "--email",
        "root@sandbox.example",
        env_extra={**env, "DJANGO_SUPERUSER_PASSWORD": "a-long-sandbox-password"},
    )
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(database) as db:
        row = db.execute(
            "SELECT is_superuser, is_staff, email FROM auth_user WHERE username = 'root'"
        ).fetchone()
    assert row == (1, 1, "root@sandbox.example")
