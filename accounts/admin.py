from django.contrib import admin

from accounts.models import Account


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "resource",
        "target_role_arn",
        "session_duration_display",
        "validation_status",
        "created_at",
    ]
    list_filter = ["validation_status", "resource__project", "resource"]
    search_fields = ["name", "target_role_arn", "resource__name", "resource__project__name"]
    readonly_fields = [
        "validation_status",
        "validation_code",
        "validation_hint",
        "last_validated_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    list_select_related = ["resource__project"]
    autocomplete_fields = ["resource"]

    @admin.display(description="Session duration", ordering="session_duration")
    def session_duration_display(self, obj):
        return obj.session_duration_display

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
