from django.contrib import admin

from sessions_audit.models import AccessSession, AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """The audit trail is append-only: nobody adds, edits or deletes it here, superusers
    included."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}


@admin.register(AccessSession)
class AccessSessionAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "user_email",
        "project_name",
        "resource_name",
        "account_name",
        "status",
        "expires_at",
        "source_ip",
    ]
    list_filter = ["status", "project", "created_at"]
    search_fields = [
        "user_email",
        "account_name",
        "resource_name",
        "role_session_name",
        "assumed_role_arn",
        "assumed_role_id",
        "failure_code",
    ]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_email", "action", "target", "project"]
    list_filter = ["action", "project"]
    search_fields = ["actor_email", "action", "target"]
    date_hierarchy = "created_at"
    show_full_result_count = False
