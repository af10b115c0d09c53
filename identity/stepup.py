"""Step-up: how recently the person in this web session proved who they are, and how.

An Account can ask for a sign-in within the last N minutes before its console opens
(accounts.access enforces it). What counts depends on how the person signs in here:

- someone known through single sign-on signs in again at their identity provider (this site
  asks with `prompt=login` and `max_age`; when the ID token carries `auth_time`, that is the
  time that counts, so a provider that quietly reused an older sign-in does not pass);
- someone with a local password and a second factor enters their authenticator code again;
- someone with a local password only enters their password again.

allauth signals when each step happens; the time of the last one of each kind is kept in the
web session (a new sign-in starts a new web session, so nothing carries over between people).
"""

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from allauth.account.signals import authentication_step_completed, user_logged_in
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.dispatch import receiver

SESSION_KEY = "pam_sign_ins"
SSO = "sso"
MFA = "mfa"
PASSWORD = "password"  # noqa: S105 - a method name, not a password
METHOD_LABELS = {
    SSO: "single sign-on",
    MFA: "authenticator code",
    PASSWORD: "password",
}
# An auth_time this far in the future of our clock is not believed (clock skew allowance).
_SKEW_SECONDS = 120


@dataclass(frozen=True)
class SignIn:
    """A proof of identity in this web session: how, and when it happened."""

    method: str
    at: datetime

    @property
    def label(self) -> str:
        return METHOD_LABELS[self.method]

    def within(self, minutes: int, *, now: datetime) -> bool:
        return (now - self.at).total_seconds() <= minutes * 60


def _note(request, method: str, at: float) -> None:
    notes = dict(request.session.get(SESSION_KEY) or {})
    notes[method] = at
    request.session[SESSION_KEY] = notes


@receiver(authentication_step_completed, dispatch_uid="pam_stepup_step")
def _on_step(sender, request, method, user, **extra) -> None:
    # A password or an authenticator code, at sign-in or when asked again. Single sign-on is
    # noted at login below, where the provider's ID token is at hand.
    if method in (PASSWORD, MFA):
        _note(request, method, time.time())


@receiver(user_logged_in, dispatch_uid="pam_stepup_login")
def _on_login(sender, request, user, sociallogin=None, **kwargs) -> None:
    if sociallogin is None:
        return
    now = time.time()
    claims = (sociallogin.account.extra_data or {}).get("id_token") or {}
    auth_time = claims.get("auth_time")
    if isinstance(auth_time, int | float) and not isinstance(auth_time, bool):
        # The provider's word on when the person last authenticated, never later than now.
        at = min(float(auth_time), now) if auth_time <= now + _SKEW_SECONDS else now
    else:
        at = now
    _note(request, SSO, at)


def accepted_methods(user) -> tuple[str, ...]:
    """What proves it is still this person: single sign-on for people known through it, the
    authenticator code for a local account that has one, else the local password."""
    if SocialAccount.objects.filter(user=user).exists():
        return (SSO,)
    if is_mfa_enabled(user):
        return (MFA,)
    return (PASSWORD,)


def last_sign_in(request) -> SignIn | None:
    """The most recent accepted proof in this web session, or None."""
    notes = request.session.get(SESSION_KEY) or {}
    found = [
        SignIn(method, datetime.fromtimestamp(notes[method], tz=UTC))
        for method in accepted_methods(request.user)
        if isinstance(notes.get(method), int | float)
    ]
    return max(found, key=lambda sign_in: sign_in.at, default=None)


def sso_provider(request):
    """The configured provider of the person's single sign-on identity (the newest one), or
    None when it is no longer configured."""
    account = SocialAccount.objects.filter(user=request.user).order_by("-last_login", "-pk").first()
    if account is None:
        return None
    try:
        return get_adapter(request).get_provider(request, account.provider)
    except SocialApp.DoesNotExist:
        return None


def reauthenticate_url_name(user, method: str) -> str:
    """allauth's page that proves `method` again: the password, the authenticator code, or,
    for someone whose only second factor is a security key, the key."""
    if method != MFA:
        return "account_reauthenticate"
    types = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    if Authenticator.Type.WEBAUTHN in types and Authenticator.Type.TOTP not in types:
        return "mfa_reauthenticate_webauthn"
    return "mfa_reauthenticate"
