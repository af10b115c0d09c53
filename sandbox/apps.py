from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """The one-command sandbox: moto as AWS and a stand-in for the federation endpoint.

    Installed only with DEBUG on; its URLs are routed only when PAM_SANDBOX is on.
    """

    name = "sandbox"
    verbose_name = "Sandbox (simulated AWS)"
