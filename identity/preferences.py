"""A person's own preferences for opening the console: read for the pages, one write path."""

from identity.models import ConsolePreference


def sign_out_first(user) -> bool:
    """Whether `user` has asked for the previous AWS console to be signed out first."""
    if not user.is_authenticated:
        return False
    return ConsolePreference.objects.filter(user=user, sign_out_first=True).exists()


def console_preference_set(*, user, sign_out_first: bool) -> ConsolePreference:
    """Remember the person's choice (their own: nobody sets another's)."""
    preference, _ = ConsolePreference.objects.update_or_create(
        user=user, defaults={"sign_out_first": sign_out_first}
    )
    return preference
