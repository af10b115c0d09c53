"""Page helpers every app's views share: render a page or one HTMX fragment of it, redirect
after a successful form, put a service's errors on the form."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render, resolve_url
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect


def apply_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form, by field where the form has the field.

    A unique-constraint error (a name already taken) goes on the form field it is about, not
    above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        for error in errors:
            target = field if field in form.fields else None
            if target is None and error.code == "unique_together":
                unique_fields = (error.params or {}).get("unique_check", ())
                target = next((f for f in reversed(unique_fields) if f in form.fields), None)
            form.add_error(target, error)


def render_page(request, template: str, context: dict, *, fragment: str = ""):
    """Render the page, or only `fragment` of it when HTMX asked for that part.

    A history restore (Back to an hx-push-url page htmx no longer has cached) needs the whole
    page, and the response varies by HX-Request so no cache hands a fragment to a page load."""
    if fragment and request.htmx and not request.htmx.history_restore_request:
        template = f"{template}#{fragment}"
    response = render(request, template, context)
    if fragment:
        patch_vary_headers(response, ["HX-Request"])
    return response


def redirect_page(request, to: str, *args, **kwargs):
    """After a successful form post: a normal redirect, or a full-page one for HTMX (a swapped
    fragment must not end up holding a whole page)."""
    url = resolve_url(to, *args, **kwargs)
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)
