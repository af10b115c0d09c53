#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys

SANDBOX_NEEDS_DEBUG = (
    "The sandbox runs only with DEBUG on: it prints passwords and simulates AWS, and must "
    "never run as a deployment. Start it with: DJANGO_DEBUG=true python manage.py sandbox"
)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pamsite.settings")
    debug = os.environ.get("DJANGO_DEBUG", "").strip().lower() in (
        "1",
        "true",
        "yes",
        "y",
        "on",
        "ok",
    )
    if sys.argv[1:2] == ["sandbox"] and not debug:
        # Before the settings load: without DEBUG they would stop first, on the secret key.
        sys.exit(SANDBOX_NEEDS_DEBUG)
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A setting that is missing or wrong: its message, not a traceback.
        sys.exit(f"Configuration error: {exc}")


if __name__ == "__main__":
    main()
