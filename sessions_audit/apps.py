from django.apps import AppConfig


class SessionsAuditConfig(AppConfig):
    name = "sessions_audit"
    verbose_name = "Sessions and audit"
