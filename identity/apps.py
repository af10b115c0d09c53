from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = "Identity (sign-in)"

    def ready(self) -> None:
        # The step-up notes listen to allauth's sign-in signals.
        from identity import stepup  # noqa: F401
