"""A project's Slack webhook, set and removed by its admins (on the Members page)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from notifications import services
from resources.permissions import Capability, project_for_view


@require_POST
@login_required
def slack_set(request, slug):
    project, _ = project_for_view(
        user=request.user, slug=slug, capability=Capability.MANAGE_PROJECT
    )
    try:
        channel = services.slack_webhook_set(
            actor=request.user, project=project, url=request.POST.get("webhook", "")
        )
    except ValidationError as exc:
        messages.error(request, "Slack webhook not saved: " + " ".join(exc.messages))
    else:
        messages.success(request, f"Slack webhook saved (ending …{channel.webhook_hint}).")
    return redirect("resources:members", slug=project.slug)


@require_POST
@login_required
def slack_remove(request, slug):
    project, _ = project_for_view(
        user=request.user, slug=slug, capability=Capability.MANAGE_PROJECT
    )
    services.slack_webhook_remove(actor=request.user, project=project)
    messages.success(request, "Slack webhook removed.")
    return redirect("resources:members", slug=project.slug)
