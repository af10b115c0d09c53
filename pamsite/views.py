from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from resources.forms import ProjectForm
from resources.selectors import project_for_member, project_landing_url, projects_for_user
from resources.services import project_create


@require_GET
@login_required
def home(request):
    """The projects the signed-in user belongs to; someone in exactly one project goes straight
    to it (platform admins stay here, where projects are created)."""
    projects = list(projects_for_user(user=request.user))
    if len(projects) == 1 and not request.user.is_staff:
        return redirect("resources:project", slug=projects[0].slug)
    return render(request, "home.html", {"projects": projects})


@require_http_methods(["GET", "POST"])
@login_required
def project_create_view(request):
    """Platform admins (Django staff) create projects; the creator becomes its first admin."""
    if not request.user.is_staff:
        raise PermissionDenied("Only platform admins create projects.")
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = project_create(
                name=form.cleaned_data["name"], owner=request.user, slug=form.cleaned_data["slug"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("resources:list", slug=project.slug)
    return render(request, "project_form.html", {"form": form})


@require_GET
@login_required
def project_switch(request):
    """The project switcher's target: a plain GET form, so it works without JavaScript."""
    slug = request.GET.get("project", "")
    project, membership = project_for_member(user=request.user, slug=slug)
    return redirect(project_landing_url(project=project, membership=membership))


@require_GET
def healthz(request):
    """Liveness plus a database round trip, for load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


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


def project_page(request, *, project, membership, tab: str, **context) -> dict:
    """Context every project page shares: the switcher, the tabs and what the role may do."""
    return {
        "project": project,
        "membership": membership,
        "tab": tab,
        "user_projects": projects_for_user(user=request.user),
        **context,
    }


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
