from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts (target roles)"

    def ready(self) -> None:
        # Revoke a person's live sessions when their access goes away (resources.signals).
        from accounts import receivers  # noqa: F401
