"""django-allauth, adapted to who may sign in here and how a person is known.

Local passwords: nobody signs up (platform admins make local accounts); failed and throttled
attempts are logged without the password; the throttle counts per account and per client IP
(pamsite.client_ip, behind the trusted proxies). Single sign-on: a person is their
(provider, subject) pair, never their email alone; the provider must say the email is verified;
a changed email at the provider updates the user (audited, identity.services).
"""

import logging

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base.constants import AuthProcess
from django.conf import settings
from django.shortcuts import render

from identity import services
from pamsite.client_ip import client_ip

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    @property
    def error_messages(self):
        minutes = settings.PAM_LOGIN_LOCKOUT_MINUTES
        return {
            **DefaultAccountAdapter.error_messages,
            "too_many_login_attempts": "Too many sign-in attempts: try again in "
            f"{minutes} minute{'s' if minutes != 1 else ''}.",
            "local_login_off": "Signing in with a password is turned off here: use single sign-on.",
        }

    def is_open_for_signup(self, request) -> bool:
        return False

    def get_client_ip(self, request) -> str:
        return client_ip(request.META) or "0.0.0.0"  # noqa: S104 - a key, not a bind address

    def pre_authenticate(self, request, **credentials) -> None:
        who = credentials.get("username") or credentials.get("email") or ""
        if not settings.PAM_LOCAL_LOGIN:
            raise self.validation_error("local_login_off")
        try:
            super().pre_authenticate(request, **credentials)
        except Exception:
            logger.warning("Sign-in throttled: login=%r ip=%s", who, self.get_client_ip(request))
            raise

    def authentication_failed(self, request, **credentials) -> None:
        who = credentials.get("username") or credentials.get("email") or ""
        logger.warning("Sign-in failed: login=%r ip=%s", who, self.get_client_ip(request))


def _refuse(request, title: str, reason: str):
    response = render(
        request, "identity/refused.html", {"title": title, "reason": reason}, status=403
    )
    return ImmediateHttpResponse(response)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return True

    def is_auto_signup_allowed(self, request, sociallogin) -> bool:
        # Never the form where a person could type another email: SSO signs them up as the
        # provider knows them, or refuses.
        return True

    def pre_social_login(self, request, sociallogin) -> None:
        if (sociallogin.state or {}).get("process") == AuthProcess.CONNECT:
            # Linking another identity to an account here would let it sign in as that
            # account: people are linked only by their own first sign-in.
            raise _refuse(
                request,
                "Not available",
                "Identities are not linked by hand here: sign in with your identity provider.",
            )
        app = sociallogin.account.get_provider().app
        identity = services.Identity.from_sociallogin(sociallogin)
        if not identity.email:
            raise _refuse(
                request,
                "No email address",
                f"{app.name} did not send an email address for you. Ask your identity "
                "provider's admin to release the email claim to this application.",
            )
        if not identity.email_verified and not app.settings.get("trust_email"):
            raise _refuse(
                request,
                "Email address not verified",
                f"{app.name} does not say that {identity.email} is verified, and your email is "
                "the name your AWS console sessions are recorded under. Verify it with your "
                "identity provider and sign in again.",
            )
        if sociallogin.is_existing:
            problem = services.sso_user_refresh(user=sociallogin.user, identity=identity)
        else:
            problem = services.sso_new_user_problem(identity=identity)
        if problem:
            raise _refuse(request, "Cannot sign you in", problem)
        if sociallogin.is_existing:
            sociallogin.user.email = identity.email
            services.sso_groups_sync(user=sociallogin.user, identity=identity)

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form)
        services.sso_groups_sync(
            user=user, identity=services.Identity.from_sociallogin(sociallogin)
        )
        return user

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        identity = services.Identity.from_sociallogin(sociallogin)
        user.email = identity.email
        user.username = services.free_username(identity.email)
        return user
