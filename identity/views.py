"""The sign-in routes allauth needs, in this site's terms."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from identity import preferences


@require_GET
def signup_closed(request):
    """Nobody signs up here: people arrive through single sign-on, and platform admins make
    the few local accounts (break-glass, the embedded default)."""
    return render(
        request,
        "identity/refused.html",
        {
            "title": "No sign-up here",
            "reason": "Sign in with your company's single sign-on. Local accounts are made by "
            "platform admins.",
        },
        status=403,
    )


@require_GET
def admin_login(request):
    """Django admin signs people in through the same page as the app (so the same throttle
    and SSO apply); someone signed in who is not staff learns that admin is not for them."""
    target = request.GET.get("next") or reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_staff:
            return redirect(target if url_has_allowed_host_and_scheme(target, None) else "/")
        raise PermissionDenied("Django admin is for platform admins (Django staff).")
    return redirect_to_login(target)


@require_POST
@login_required
def console_preference(request):
    """Save "sign out of the current AWS console first" for the signed-in person, then go
    back to the page the form was on."""
    chosen = request.POST.get("sign_out_first") == "on"
    preferences.console_preference_set(user=request.user, sign_out_first=chosen)
    messages.success(
        request,
        "Access now signs you out of the AWS console you are in first."
        if chosen
        else "Access no longer signs you out of the AWS console first.",
    )
    target = request.POST.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("home")
    return redirect(target)
