"""python manage.py sandbox: the whole product on this machine, with a simulated AWS.

This process runs moto (the AWS stand-in) in a thread and starts three children with the
sandbox environment: migrate, seed_sandbox, then runserver. Ctrl-C stops the web server
and moto together. The children read everything from the environment, exactly as a real
deployment would; only the endpoints differ (AWS_ENDPOINT_URL, PAM_FEDERATION_ENDPOINT).
"""

import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sandbox.services import OPERATOR_KEYS

HOST = "127.0.0.1"
# moto's default account: the platform identity and the demo roles both live in it.
MOTO_ACCOUNT_ID = "123456789012"
# Not credentials: moto accepts any keys. Set so that no real AWS identity is ever picked up.
FAKE_ACCESS_KEY_ID = "AKIASANDBOXNOTAREALKEY"
FAKE_SECRET_ACCESS_KEY = "sandbox-fake-secret-moto-accepts-anything"  # noqa: S105
# Variables of a real deployment the sandbox must never inherit.
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
NOT_INHERITED = ("REDIS_URL", "DATABASE_URL", "DJANGO_READ_DOT_ENV_FILE", "DJANGO_SETTINGS_MODULE")


# The sandbox's identity provider (oidc-provider-mock) and the people it knows: each signs in
# with one click on its page; their groups become roles through the seed's group rules.
SSO_PROVIDER_ID = "sandbox"
SSO_PEOPLE = (
    ("sso-member", "sso-member@sandbox.example", ["sandbox-developers"]),
    ("sso-admin", "sso-admin@sandbox.example", ["sandbox-developers", "sandbox-admins"]),
)


def sandbox_environment(
    *,
    web_port: int,
    moto_port: int,
    database: Path,
    oidc_port: int = 0,
    platform_key=None,
    credentials_file: Path | None = None,
    platform_profiles: str = "",
) -> dict[str, str]:
    """The environment the sandbox's children run with."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "PAM_")) and key not in NOT_INHERITED
    }
    site = f"http://{HOST}:{web_port}"
    env.update(
        DJANGO_SETTINGS_MODULE="pamsite.settings",
        DJANGO_DEBUG="true",
        DJANGO_ALLOWED_HOSTS=f"{HOST},localhost",
        # Its own SQLite file: demo users with printed passwords never land in a real database.
        DATABASE_URL=f"sqlite:///{database}",
        PAM_SANDBOX="true",
        # The demo's printed passwords are enough; a second factor is for real deployments.
        PAM_MFA_REQUIRED="off",
        PAM_ISSUER_URL=f"{site}/",
        PAM_FEDERATION_ENDPOINT=f"{site}/sandbox/federation",
        PAM_PLATFORM_ACCOUNT_ID=MOTO_ACCOUNT_ID,
        AWS_ENDPOINT_URL=f"http://{HOST}:{moto_port}",
        AWS_REGION="us-east-1",
        AWS_ACCESS_KEY_ID=platform_key.access_key_id if platform_key else FAKE_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY=(
            platform_key.secret_access_key if platform_key else FAKE_SECRET_ACCESS_KEY
        ),
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=str(credentials_file) if credentials_file else os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    if platform_profiles:
        env["PAM_PLATFORM_PROFILES"] = platform_profiles
    if oidc_port:
        prefix = f"PAM_OIDC_{SSO_PROVIDER_ID.upper()}_"
        env.update(
            {
                "PAM_OIDC_PROVIDERS": SSO_PROVIDER_ID,
                prefix + "ISSUER": f"http://localhost:{oidc_port}",
                prefix + "NAME": "Sandbox SSO",
                prefix + "CLIENT_ID": "pam-sandbox",
                prefix + "CLIENT_SECRET": "sandbox-not-a-secret",
            }
        )
    return env


def port_free(port: int) -> bool:
    """Whether a server could listen on the port now. SO_REUSEADDR as runserver and moto set
    it: connections of a sandbox stopped a moment ago (TIME_WAIT) do not make it busy."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Command(BaseCommand):
    help = (
        "Run the product on this machine with a simulated AWS (moto) and a stand-in for the "
        "AWS sign-in endpoint: migrate, seed a demo project, serve at http://127.0.0.1:8000. "
        "Refuses to start unless DEBUG is on."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="Web port (default 8000).")
        parser.add_argument(
            "--moto-port", type=int, default=0, help="moto's port (default: any free port)."
        )
        parser.add_argument(
            "--database",
            type=Path,
            default=None,
            help="The sandbox's SQLite file (default: sandbox.sqlite3 next to manage.py).",
        )
        parser.add_argument(
            "--reload", action="store_true", help="Restart the web server when code changes."
        )

    def handle(self, *args, port: int, moto_port: int, reload: bool, database, **options):
        if not settings.DEBUG:
            raise CommandError(
                "The sandbox runs only with DEBUG on: it prints passwords and simulates AWS, "
                "and must never run as a deployment. Start it with:\n"
                "  DJANGO_DEBUG=true python manage.py sandbox"
            )
        try:
            from moto.server import ThreadedMotoServer
            from oidc_provider_mock import User, run_server_in_thread

            from sandbox import cloudtrail_world, moto_world
        except ImportError:
            raise CommandError(
                "moto or oidc-provider-mock is not installed. Install the sandbox extra: "
                "pip install -e '.[sandbox]'"
            ) from None
        if not port_free(port):
            raise CommandError(f"Port {port} is in use. Pick another one with --port.")
        if moto_port and not port_free(moto_port):
            raise CommandError(f"Port {moto_port} is in use. Pick another one with --moto-port.")
        moto_port = moto_port or free_port()

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's per-request lines
        people = [
            User(sub=sub, claims={"email": email, "email_verified": True, "groups": groups})
            for sub, email, groups in SSO_PEOPLE
        ]
        identity_provider = run_server_in_thread(user_claims=people)
        oidc_port = identity_provider.__enter__().server_port

        base_dir = Path(settings.BASE_DIR)
        manage = [sys.executable, str(base_dir / "manage.py")]
        database = (database or base_dir / "sandbox.sqlite3").resolve()

        moto = ThreadedMotoServer(ip_address=HOST, port=moto_port, verbose=False)
        moto.start()
        # The platform and the operator in every partition, then IAM enforced as in AWS.
        platform, operator = moto_world.identities_put(f"http://{HOST}:{moto_port}")
        enforce = moto_world.aws_like()
        enforce.__enter__()
        # What role sessions do is kept; LookupEvents answers from it (sandbox.cloudtrail_world).
        trail = cloudtrail_world.recording()
        trail.__enter__()
        keys_dir = tempfile.TemporaryDirectory(prefix="pam-sandbox-")
        credentials_file = Path(keys_dir.name) / "credentials"
        moto_world.credentials_file_write(credentials_file, platform)
        env = sandbox_environment(
            web_port=port,
            moto_port=moto_port,
            database=database,
            oidc_port=oidc_port,
            platform_key=platform["aws"],
            credentials_file=credentials_file,
            platform_profiles=moto_world.platform_profiles_setting(),
        )
        seed_env = {**env, OPERATOR_KEYS: moto_world.operator_keys_setting(operator)}
        self.stdout.write(
            f"Simulated AWS (moto, IAM enforced) listening on http://{HOST}:{moto_port}"
        )
        self.stdout.write(f"Sandbox identity provider (OIDC) at http://localhost:{oidc_port}")
        web = None
        # Ctrl-C, kill and a closed terminal all stop both servers; SIGINT too when it arrives
        # from a shell that started us in the background (which ignores it by default).
        previous = {sig: signal.signal(sig, _raise_interrupt) for sig in STOP_SIGNALS}
        try:
            steps = [
                ["migrate", "--noinput", "--verbosity", "0"],
                ["seed_sandbox", "--url", env["PAM_ISSUER_URL"]],
            ]
            for step in steps:
                done = subprocess.run(  # noqa: S603
                    [*manage, *step],
                    env=seed_env if step[0] == "seed_sandbox" else env,
                    cwd=base_dir,
                    check=False,
                )
                if done.returncode:
                    raise CommandError(f"`manage.py {step[0]}` failed; the sandbox did not start.")
            serve = [*manage, "runserver", f"{HOST}:{port}"]
            if not reload:
                serve.append("--noreload")
            # Its own process group, so stopping it also stops runserver's autoreload child.
            web = subprocess.Popen(serve, env=env, cwd=base_dir, start_new_session=True)  # noqa: S603
            web.wait()
        except KeyboardInterrupt:
            self.stdout.write("\nStopping the sandbox...")
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if web is not None:
                _stop(web)
            moto.stop()
            trail.__exit__(None, None, None)
            enforce.__exit__(None, None, None)
            keys_dir.cleanup()
            identity_provider.__exit__(None, None, None)
        if web is not None and web.returncode not in (0, -signal.SIGINT, -signal.SIGTERM):
            raise CommandError(f"The web server exited with status {web.returncode}.")


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _stop(process: subprocess.Popen) -> None:
    """Stop the child's whole process group (runserver and its autoreload child): SIGTERM,
    then SIGKILL. Not SIGINT: a child started from a background shell ignores it."""
    if not hasattr(os, "killpg"):  # Windows: no process groups
        process.terminate()
        process.wait()
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return  # the group is gone
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            continue
