"""Django admin for projects, memberships and resources. Every add, change and delete goes
through the same services as the app's pages (their audit events say via: admin). The
accounts app adds its inline to ResourceAdmin."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied

from pamsite.admin_helpers import ServiceAdmin, adopt
from resources import projects, services
from resources.models import Membership, Project, Resource
from sessions_audit.services import VIA_ADMIN


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]

    @classmethod
    def save_through_services(cls, *, request, parent, formset) -> None:
        for membership in formset.deleted_objects:
            projects.membership_remove(actor=request.user, membership=membership, via=VIA_ADMIN)
        for membership, fields in formset.changed_objects:
            if "user" in fields:
                # Another person in this row: the old one leaves, the new one joins.
                original = Membership.objects.select_related("user").get(pk=membership.pk)
                projects.membership_remove(actor=request.user, membership=original, via=VIA_ADMIN)
            _membership_save(request, membership)
        for membership in formset.new_objects:
            _membership_save(request, membership)


@admin.register(Project)
class ProjectAdmin(ServiceAdmin):
    list_display = ["name", "slug", "id", "created_at"]
    search_fields = ["name", "slug", "id"]
    readonly_fields = ["id", "created_at"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        if change:
            projects.project_update(
                actor=request.user, project=obj, name=obj.name, slug=obj.slug, via=VIA_ADMIN
            )
        else:
            created = projects.project_create(
                name=obj.name, owner=request.user, slug=obj.slug, via=VIA_ADMIN
            )
            adopt(obj, created)

    def delete_model(self, request, obj):
        projects.project_delete(actor=request.user, project=obj, via=VIA_ADMIN)


def _membership_save(request, membership: Membership) -> Membership:
    return projects.membership_set(
        actor=request.user,
        project=membership.project,
        user=membership.user,
        role=membership.role,
        via=VIA_ADMIN,
    )


@admin.register(Membership)
class MembershipAdmin(ServiceAdmin):
    list_display = ["user", "project", "role", "created_at"]
    list_filter = ["role", "project"]
    search_fields = ["user__email", "user__username", "project__name"]
    autocomplete_fields = ["user", "project"]
    list_select_related = ["user", "project"]

    def get_readonly_fields(self, request, obj=None):
        # A membership is one person in one project: only its role changes.
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "user", "project"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        adopt(obj, _membership_save(request, obj))

    def delete_model(self, request, obj):
        projects.membership_remove(actor=request.user, membership=obj, via=VIA_ADMIN)


@admin.register(Resource)
class ResourceAdmin(ServiceAdmin):
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
    inlines: list = []  # accounts.admin adds AccountInline
    actions = ["validate_again"]

    def get_readonly_fields(self, request, obj=None):
        # A resource never moves to another project: its accounts, their sessions and the
        # External ID its trust policy names belong to the one it was made in.
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "project"] if obj is not None else fields

    @admin.action(description="Validate again", permissions=["change"])
    def validate_again(self, request, queryset):
        queued = 0
        for resource in queryset.select_related("project"):
            try:
                services.resource_revalidate(actor=request.user, resource=resource, via=VIA_ADMIN)
                queued += 1
            except PermissionDenied as exc:
                self.message_user(request, f"{resource}: {exc}", messages.ERROR)
        if queued:
            self.message_user(request, f"Validation queued for {queued} resource(s).")

    def save_model(self, request, obj, form, change):
        values = {**services.resource_fields(obj), "via": VIA_ADMIN}
        if change:
            services.resource_update(actor=request.user, resource=obj, **values)
            obj.refresh_from_db()
        else:
            created = services.resource_create(actor=request.user, project=obj.project, **values)
            adopt(obj, created)

    def delete_model(self, request, obj):
        services.resource_delete(actor=request.user, resource=obj, via=VIA_ADMIN)
