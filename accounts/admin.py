from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied

from accounts.models import Account
from accounts.services import account_revalidate, account_validation_enqueue
from sessions_audit.admin import AuditedAdmin


@admin.register(Account)
class AccountAdmin(AuditedAdmin):
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
        "validation_warnings",
        "last_validated_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    list_select_related = ["resource__project"]
    autocomplete_fields = ["resource"]
    actions = ["validate_again"]

    def get_readonly_fields(self, request, obj=None):
        # An account never moves to another resource (perhaps another project): its sessions
        # and its validation belong to the one it was made under, as in the app.
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "resource"] if obj is not None else fields

    @admin.action(description="Validate again", permissions=["change"])
    def validate_again(self, request, queryset):
        queued = 0
        for account in queryset.select_related("resource__project"):
            try:
                account_revalidate(actor=request.user, account=account)
                queued += 1
            except PermissionDenied as exc:
                self.message_user(request, f"{account}: {exc}", messages.ERROR)
        if queued:
            self.message_user(request, f"Validation queued for {queued} account(s).")

    @admin.display(description="Session duration", ordering="session_duration")
    def session_duration_display(self, obj):
        return obj.session_duration_display

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        checked = {"resource", "target_role_arn", "session_duration"}
        revalidate = not change or bool(checked & set(form.changed_data))
        if revalidate:
            obj.validation_status = Account.ValidationStatus.PENDING
            obj.validation_code = obj.validation_hint = ""
        super().save_model(request, obj, form, change)
        if revalidate:
            account_validation_enqueue(account_id=obj.pk)
