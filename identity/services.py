"""Who a person signing in through SSO is, and the writes that keeps their user true to it."""

import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from resources.projects import invitations_accept, memberships_sync_from_groups
from resources.users import user_changes_record, user_values
from sessions_audit.services import VIA_SSO

logger = logging.getLogger(__name__)

USERNAME_MAX = 150


def _truthy(value) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


@dataclass(frozen=True)
class Identity:
    """What the identity provider said about the person: (provider, subject) is who they are;
    the rest is what it says about them now."""

    provider_id: str
    subject: str
    email: str
    email_verified: bool
    groups: tuple[str, ...]

    @classmethod
    def from_sociallogin(cls, sociallogin) -> "Identity":
        account = sociallogin.account
        data = account.extra_data or {}
        # The ID token's claims, with the userinfo endpoint's on top (it may say more).
        claims = {**(data.get("id_token") or {}), **(data.get("userinfo") or {})}
        groups_claim = account.get_provider().app.settings.get("groups_claim", "groups")
        groups = claims.get(groups_claim) or ()
        if isinstance(groups, str):
            groups = (groups,)
        return cls(
            provider_id=account.provider,
            subject=str(account.uid),
            email=(claims.get("email") or "").strip(),
            email_verified=_truthy(claims.get("email_verified")),
            groups=tuple(str(g) for g in groups),
        )


def _email_taken(email: str, *, by_other_than=None) -> bool:
    users = get_user_model().objects.filter(email__iexact=email)
    if by_other_than is not None:
        users = users.exclude(pk=by_other_than.pk)
    return users.exists()


def sso_new_user_problem(*, identity: Identity) -> str | None:
    """Why a first SSO sign-in cannot create a user, or None. People are matched on the
    provider's subject: an existing account with the same email is never taken over."""
    if _email_taken(identity.email):
        return (
            f"An account with the email {identity.email} already exists here and is not linked "
            "to this identity. Accounts are matched on the identity provider's subject, never "
            "on an email alone: ask a platform admin to resolve it."
        )
    return None


@transaction.atomic
def sso_user_refresh(*, user, identity: Identity) -> str | None:
    """At each SSO sign-in: a changed email at the provider becomes the user's (audited with
    the old one), unless another user has it. Returns why the sign-in must stop, or None."""
    if user.email == identity.email:
        return None
    if _email_taken(identity.email, by_other_than=user):
        return (
            f"Your identity provider now gives your email as {identity.email}, which another "
            "account here already has. Ask a platform admin to resolve it."
        )
    user = type(user).objects.select_for_update().get(pk=user.pk)
    before = user_values(user)
    user.email = identity.email
    user.save(update_fields=["email"])
    user_changes_record(actor=user, user=user, before=before, via=VIA_SSO)
    return None


def free_username(email: str) -> str:
    """A username for a new SSO user: the email, made unique if it is taken."""
    base = email[:USERNAME_MAX]
    users = get_user_model().objects
    candidate, n = base, 1
    while users.filter(username__iexact=candidate).exists():
        n += 1
        suffix = f"-{n}"
        candidate = base[: USERNAME_MAX - len(suffix)] + suffix
    return candidate


def sso_groups_sync(*, user, identity: Identity) -> list[str]:
    """Pending invitations for the person's (verified) email become memberships, and their SSO
    memberships follow their groups at the provider (GroupRule)."""
    changes = [f"invitation to {slug}" for slug in invitations_accept(user=user)]
    changes += memberships_sync_from_groups(user=user, groups=identity.groups)
    if changes:
        logger.info("SSO groups of user %s: %s", user.pk, "; ".join(changes))
    return changes
