"""Error pages that never show a traceback and never touch the database."""

import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader


def _render(template: str, status: int) -> HttpResponse:
    # A plain render without the request: context processors would read the session and the
    # user from the database, which may be what is down.
    body = loader.get_template(template).render({})
    return HttpResponse(body, status=status)


def server_error(request):
    """handler500: a database outage answers 503 "try again", anything else a plain 500."""
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DatabaseError) and "connect" in str(exc).lower()
    ):
        response = _render("503.html", 503)
        response["Retry-After"] = "30"
        return response
    return _render("500.html", 500)
