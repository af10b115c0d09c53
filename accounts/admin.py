"""Django admin for accounts, and their inline on the Resource page. Every add, change and
delete goes through accounts.services (their audit events say via: admin)."""

from django.contrib import admin

from accounts import services
from accounts.models import Account
from pamsite.admin_helpers import ServiceAdmin, adopt
from resources.admin import ResourceAdmin
from sessions_audit.services import VIA_ADMIN


def _values(account: Account) -> dict:
    return {**services.account_fields(account), "via": VIA_ADMIN}


class AccountInline(admin.TabularInline):
    model = Account
    extra = 0
    fields = ["name", "target_role_arn", "session_duration", "validation_status"]
    readonly_fields = ["validation_status"]

    @classmethod
    def save_through_services(cls, *, request, parent, formset) -> None:
        for account in formset.deleted_objects:
            services.account_delete(actor=request.user, account=account, via=VIA_ADMIN)
        for account, _ in formset.changed_objects:
            services.account_update(actor=request.user, account=account, **_values(account))
        for account in formset.new_objects:
            services.account_create(actor=request.user, resource=parent, **_values(account))


ResourceAdmin.inlines = [*ResourceAdmin.inlines, AccountInline]


@admin.register(Account)
class AccountAdmin(ServiceAdmin):
    list_display = [
        "name",
        "resource",
        "target_role_arn",
        "session_duration_display",
        "validation_status",
        "created_at",
        "retired_at",
    ]
    list_filter = [
        "validation_status",
        ("retired_at", admin.EmptyFieldListFilter),
        "resource__project",
        "resource",
    ]
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
    exclude = ["approvers"]  # set in the app (the Account's page), audited
    actions = ["validate_again", "retire"]

    def get_readonly_fields(self, request, obj=None):
        # An account never moves to another resource (perhaps another project): its sessions
        # and its validation belong to the one it was made under, as in the app.
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "resource"] if obj is not None else fields

    @admin.action(
        description="Retire (history stays, nothing can be opened)", permissions=["change"]
    )
    def retire(self, request, queryset):
        self.run_each(
            request,
            queryset.filter(retired_at__isnull=True).select_related("resource__project"),
            lambda account: services.account_retire(
                actor=request.user, account=account, via=VIA_ADMIN
            ),
            done="{n} account(s) retired.",
        )

    @admin.action(description="Validate again", permissions=["change"])
    def validate_again(self, request, queryset):
        self.run_each(
            request,
            queryset.select_related("resource__project"),
            lambda account: services.account_revalidate(
                actor=request.user, account=account, via=VIA_ADMIN
            ),
            done="Validation queued for {n} account(s).",
            report_none=False,
        )

    @admin.display(description="Session duration", ordering="session_duration")
    def session_duration_display(self, obj):
        return obj.session_duration_display

    def save_model(self, request, obj, form, change):
        if change:
            services.account_update(actor=request.user, account=obj, **_values(obj))
            obj.refresh_from_db()
        else:
            created = services.account_create(
                actor=request.user, resource=obj.resource, **_values(obj)
            )
            adopt(obj, created)

    def delete_model(self, request, obj):
        services.account_delete(actor=request.user, account=obj, via=VIA_ADMIN)
