"""Pages of just-in-time access: ask, review, see the grants and end them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access_requests import services
from access_requests.forms import RequestForm
from access_requests.models import AccessRequest
from access_requests.selectors import may_review, to_review
from pamsite.pages import apply_service_errors, render_page
from resources.pages import project_page
from resources.permissions import Capability, capabilities, project_for_view

SHOWN = 100


@require_GET
@login_required
def request_list(request, slug):
    """To review (approvers), my requests (everyone), and every request (admins, auditors)."""
    project, membership = project_for_view(user=request.user, slug=slug)
    can = capabilities(membership)
    everything = AccessRequest.objects.filter(project=project).order_by("-created_at")
    context = project_page(
        request,
        project=project,
        membership=membership,
        tab="requests",
        reviewing=to_review(user=request.user, project=project, membership=membership),
        mine=list(everything.filter(requester=request.user)[:SHOWN]),
        every=list(everything[:SHOWN]) if can["review_audit"] else None,
        needs_review=list(everything.filter(needs_review=True)) if can["manage_project"] else [],
    )
    return render_page(request, "access_requests/request_list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def request_create(request, slug):
    """Ask for an on-request account (members and admins)."""
    project, membership = project_for_view(
        user=request.user, slug=slug, capability=Capability.OPEN_CONSOLE
    )
    initial = {"account": request.GET.get("account")} if request.GET.get("account") else {}
    form = RequestForm(request.POST or None, project=project, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.request_create(
                actor=request.user,
                account=data["account"],
                reason=data["reason"],
                ticket=data["ticket"],
                seconds=data["seconds"],
                starts_at=data["starts_at"],
                break_glass=data["break_glass"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                "Break-glass access granted: Access opens it now. Every admin and auditor can "
                "see it, and an admin will review it."
                if created.break_glass
                else "Access requested: the approvers see it under Requests.",
            )
            return redirect("access_requests:detail", slug=project.slug, pk=created.pk)
    context = project_page(
        request, project=project, membership=membership, tab="requests", form=form
    )
    return render_page(request, "access_requests/request_form.html", context)


def _request_for(request, slug, pk):
    project, membership = project_for_view(user=request.user, slug=slug)
    found = get_object_or_404(
        AccessRequest.objects.select_related("account", "requester"), project=project, pk=pk
    )
    # One's own requests, or anyone's for those who review or audit the project.
    can = capabilities(membership)
    if not (
        found.requester_id == request.user.pk
        or can["review_audit"]
        or may_review(user=request.user, request=found, membership=membership)
    ):
        raise PermissionDenied("Only the requester, its approvers, admins and auditors see it.")
    return project, membership, found


@require_GET
@login_required
def request_detail(request, slug, pk):
    project, membership, found = _request_for(request, slug, pk)
    now = timezone.now()
    context = project_page(
        request,
        project=project,
        membership=membership,
        tab="requests",
        access_request=found,
        reviews=list(found.reviews.all()),
        sessions=list(found.sessions.order_by("-created_at")[:SHOWN]),
        can_review=found.status == "pending"
        and may_review(user=request.user, request=found, membership=membership)
        and not found.reviews.filter(reviewer=request.user).exists(),
        grant_open=found.grant_active(now)
        or (found.status == "approved" and found.grant_starts_at and found.grant_starts_at > now),
    )
    return render_page(request, "access_requests/request_detail.html", context)


def _act(request, slug, pk, action, success: str):
    project, _, found = _request_for(request, slug, pk)
    try:
        action(found)
    except ValidationError as exc:  # a refusal for who they are (PermissionDenied) is a 403
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect("access_requests:detail", slug=project.slug, pk=found.pk)


@require_POST
@login_required
def request_review(request, slug, pk):
    approve = request.POST.get("decision") == "approve"
    return _act(
        request,
        slug,
        pk,
        lambda found: services.request_review(
            actor=request.user,
            request=found,
            approve=approve,
            comment=request.POST.get("comment", ""),
        ),
        "Approved." if approve else "Denied.",
    )


@require_POST
@login_required
def request_cancel(request, slug, pk):
    return _act(
        request,
        slug,
        pk,
        lambda found: services.request_cancel(actor=request.user, request=found),
        "Request cancelled.",
    )


@require_POST
@login_required
def grant_end(request, slug, pk):
    return _act(
        request,
        slug,
        pk,
        lambda found: services.grant_end(
            actor=request.user, request=found, reason=request.POST.get("reason", "")
        ),
        "Grant ended: Access no longer opens the account, and its live sessions are revoked "
        "where revocation is on.",
    )


@require_POST
@login_required
def break_glass_review(request, slug, pk):
    return _act(
        request,
        slug,
        pk,
        lambda found: services.break_glass_review(
            actor=request.user, request=found, comment=request.POST.get("comment", "")
        ),
        "Break-glass use reviewed.",
    )
