"""python manage.py seed_sandbox: the sandbox's demo project, people and roles (idempotent)."""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from pamsite.aws.errors import AwsError
from sandbox.services import sandbox_seed

ROLE_BLURB = {
    "admin": "project admin: resources, accounts, members, audit",
    "member": "member: opens the console with Access",
    "auditor": "auditor: reads sessions and the audit trail, opens nothing",
    "staff": "platform admin: creates projects, Django admin at /admin/",
}


class Command(BaseCommand):
    help = (
        "Seed the sandbox: a demo project, an admin and a member with new passwords, and a "
        "Resource whose roles exist in the local moto. Run by `manage.py sandbox`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default="", help="Where the sandbox is served (printed).")

    def handle(self, *args, url: str = "", **options):
        try:
            result = sandbox_seed(endpoint_url=os.environ.get("AWS_ENDPOINT_URL", ""))
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        except AwsError as exc:
            raise CommandError(f"{exc.code}: {exc.hint}") from None
        url = url or settings.PAM_ISSUER_URL
        lines = [
            "",
            "=" * 72,
            "  PAM Console sandbox: AWS is simulated on this machine (moto, IAM enforced).",
            f'  Project "{result.project.name}", resources:',
        ]
        for resource in result.resources:
            resource.refresh_from_db()
            names = ", ".join(a.name for a in result.accounts if a.resource_id == resource.pk)
            lines.append(f"    {resource.name} ({resource.validation_status}): {names}")
        lines += ["", f"  Open {url} and sign in as:"]
        for login in result.logins:
            lines.append(
                f"    {login.username:<8} password {login.password:<14} ({ROLE_BLURB[login.role]})"
            )
        if os.environ.get("PAM_OIDC_PROVIDERS"):
            lines += [
                "",
                '  Or click "Sign in with Sandbox SSO" and pick sso-member or sso-admin on the',
                "  identity provider's page: their groups (sandbox-developers, sandbox-admins)",
                "  become the member and admin roles through the project's group rules.",
            ]
        lines += [
            "",
            "  Passwords are new at every start. Press Ctrl-C to stop.",
            "=" * 72,
            "",
        ]
        self.stdout.write("\n".join(lines))
