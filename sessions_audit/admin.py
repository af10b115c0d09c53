from django.contrib import admin

from pamsite.admin_helpers import refused_page
from sessions_audit.models import AccessSession, AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """The audit trail is append-only: nobody adds, edits or deletes it here, superusers
    included. An attempt gets admin's own 403 page that says so."""

    def _refused(self, request):
        plural = str(self.model._meta.verbose_name_plural)
        return refused_page(
            self,
            request,
            title=f"{plural.capitalize()} are read-only",
            reason=f"{plural.capitalize()} are read-only: they are the audit trail. Nobody "
            "adds, changes or deletes them, superusers included.",
        )

    def add_view(self, request, form_url="", extra_context=None):
        return self._refused(request)

    def delete_view(self, request, object_id, extra_context=None):
        return self._refused(request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            return self._refused(request)
        return super().change_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}


class StatusFilter(admin.SimpleListFilter):
    """Filter on the status a session has now: active past its expiry counts as expired,
    whether or not the expiry sweep has run."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return AccessSession.Status.choices

    def queryset(self, request, queryset):
        if self.value() in AccessSession.Status.values:
            return queryset.with_status(self.value())
        return queryset


@admin.register(AccessSession)
class AccessSessionAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "user_email",
        "project_name",
        "resource_name",
        "account_name",
        "current_status",
        "expires_at",
        "source_ip",
    ]
    list_filter = [StatusFilter, "project", "created_at"]
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

    @admin.display(description="Status", ordering="status")
    def current_status(self, obj):
        return AccessSession.Status(obj.effective_status).label


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_email", "action", "target", "project"]
    list_filter = ["action", "project"]
    search_fields = ["actor_email", "action", "target"]
    date_hierarchy = "created_at"
    show_full_result_count = False
