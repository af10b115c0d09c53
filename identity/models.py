from django.conf import settings
from django.db import models


class ConsolePreference(models.Model):
    """How one person likes the console opened (identity.preferences writes it)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="console_preference",
    )
    # Wrap each login in the partition's sign-out URL: a browser still signed in to another
    # AWS account otherwise refuses the new sign-in ("You must first log out ...").
    sign_out_first = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"console preference of user {self.user_id}"
