"""A second factor for local passwords, where settings.PAM_MFA_REQUIRED asks for one."""

from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from resources.models import Membership, Role

# Where someone who still has to set up their second factor may go.
ALLOWED_PREFIXES = ("/auth/", "/logout/", "/static/", "/healthz")


def mfa_required_for(user) -> bool:
    required = settings.PAM_MFA_REQUIRED
    if required == "everyone":
        return True
    if required == "admins":
        return user.is_staff or Membership.objects.filter(user=user, role=Role.ADMIN).exists()
    return False


def signed_in_with_password(request) -> bool:
    records = request.session.get(AUTHENTICATION_METHODS_SESSION_KEY) or []
    return any(record.get("method") == "password" for record in records)


class RequireMfaMiddleware:
    """Someone signed in with a password who must have a second factor (an authenticator app or
    a security key) and has none goes to the page that sets one up before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(ALLOWED_PREFIXES)
            and signed_in_with_password(request)
            and mfa_required_for(user)
            and not Authenticator.objects.filter(
                user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
            ).exists()
        ):
            messages.warning(
                request,
                "Set up a second factor (an authenticator app) before you continue: it is "
                "required for your account.",
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
