from django.contrib import admin

from sessions_audit.models import AccessSession, AuditEvent
from sessions_audit.services import audit_event_record


def _project_of(obj):
    """The project an admin-edited object belongs to (a Project is its own)."""
    if obj._meta.label == "resources.Project":
        return obj
    if hasattr(obj, "project_id"):
        return obj.project
    resource = getattr(obj, "resource", None)
    return resource.project if resource is not None else None


def _audit(request, obj, verb: str, detail: dict | None = None) -> None:
    audit_event_record(
        actor=request.user,
        action=f"admin.{obj._meta.model_name}.{verb}",
        project=_project_of(obj),
        target=str(obj),
        detail=detail or {},
    )


class AuditedAdmin(admin.ModelAdmin):
    """Changes made in Django admin write an AuditEvent in the admin's transaction, as the
    app's own services do: staff edits are on the audit trail too."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _audit(request, obj, "change" if change else "add", {"fields": list(form.changed_data)})

    def delete_model(self, request, obj):
        # Recorded before the delete, while the project still exists (the event's project
        # link is then set to NULL if the project itself goes; the target keeps its name).
        _audit(request, obj, "delete")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            _audit(request, obj, "delete")
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            _audit(request, obj, "add")
        for obj, fields in formset.changed_objects:
            _audit(request, obj, "change", {"fields": list(fields)})
        for obj in formset.deleted_objects:
            _audit(request, obj, "delete")


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
