from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied

from accounts.models import Account
from resources.models import Membership, Project, Resource
from resources.services import resource_revalidate, resource_validation_enqueue
from sessions_audit.admin import AuditedAdmin


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(AuditedAdmin):
    list_display = ["name", "slug", "id", "created_at"]
    search_fields = ["name", "slug", "id"]
    readonly_fields = ["id", "created_at"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "project", "role", "created_at"]
    list_filter = ["role", "project"]
    search_fields = ["user__email", "user__username", "project__name"]
    autocomplete_fields = ["user", "project"]
    list_select_related = ["user", "project"]


class AccountInline(admin.TabularInline):
    model = Account
    extra = 0
    fields = ["name", "target_role_arn", "session_duration", "validation_status"]
    readonly_fields = ["validation_status"]


@admin.register(Resource)
class ResourceAdmin(AuditedAdmin):
    list_display = [
        "name",
        "project",
        "resource_role_arn",
        "validation_status",
        "last_validated_at",
        "created_at",
    ]
    list_filter = ["validation_status", "project"]
    search_fields = ["name", "resource_role_arn", "project__name"]
    readonly_fields = [
        "validation_status",
        "validation_code",
        "validation_hint",
        "validation_warnings",
        "last_validated_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    list_select_related = ["project"]
    autocomplete_fields = ["project"]
    inlines = [AccountInline]
    actions = ["validate_again"]

    @admin.action(description="Validate again", permissions=["change"])
    def validate_again(self, request, queryset):
        queued = 0
        for resource in queryset.select_related("project"):
            try:
                resource_revalidate(actor=request.user, resource=resource)
                queued += 1
            except PermissionDenied as exc:
                self.message_user(request, f"{resource}: {exc}", messages.ERROR)
        if queued:
            self.message_user(request, f"Validation queued for {queued} resource(s).")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        revalidate = not change or "resource_role_arn" in form.changed_data
        if revalidate:
            obj.validation_status = Resource.ValidationStatus.PENDING
            obj.validation_code = obj.validation_hint = ""
        super().save_model(request, obj, form, change)
        if revalidate:
            resource_validation_enqueue(resource_id=obj.pk)
