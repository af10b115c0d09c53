"""Django admin for projects, memberships and resources. Every add, change and delete goes
through the same services as the app's pages (their audit events say via: admin). The
accounts app adds its inline to ResourceAdmin."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import transaction

from pamsite.admin_helpers import ServiceAdmin, adopt, refused_page
from resources import projects, services, users
from resources.models import Membership, Project, Resource
from sessions_audit.services import VIA_ADMIN


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "source"]
    readonly_fields = ["source"]  # the services set it: manual here, sso from group rules

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
    list_display = ["name", "slug", "id", "created_at", "archived_at"]
    list_filter = [("archived_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "slug", "id"]
    readonly_fields = ["id", "created_at", "archived_at"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    actions = ["archive"]

    @admin.action(description="Archive (history stays, nothing can be opened or changed)")
    def archive(self, request, queryset):
        self.run_each(
            request,
            queryset.filter(archived_at__isnull=True),
            lambda project: projects.project_archive(
                actor=request.user, project=project, via=VIA_ADMIN
            ),
            done="{n} project(s) archived.",
        )

    def delete_view(self, request, object_id, extra_context=None):
        project = self.get_object(request, object_id)
        if project is not None and projects.project_has_history(project):
            return refused_page(
                self,
                request,
                title=f"{project} cannot be deleted",
                reason=projects.PROJECT_HAS_HISTORY,
            )
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request):
        # Bulk delete would meet the same refusal for every project with history.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

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
    readonly_fields = ["source"]

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
        "retired_at",
    ]
    list_filter = ["validation_status", ("retired_at", admin.EmptyFieldListFilter), "project"]
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
    actions = ["validate_again", "retire"]

    def get_readonly_fields(self, request, obj=None):
        # A resource never moves to another project: its accounts, their sessions and the
        # External ID its trust policy names belong to the one it was made in.
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "project"] if obj is not None else fields

    @admin.action(
        description="Retire (history stays, nothing can be opened)", permissions=["change"]
    )
    def retire(self, request, queryset):
        self.run_each(
            request,
            queryset.filter(retired_at__isnull=True).select_related("project"),
            lambda resource: services.resource_retire(
                actor=request.user, resource=resource, via=VIA_ADMIN
            ),
            done="{n} resource(s) retired.",
        )

    @admin.action(description="Validate again", permissions=["change"])
    def validate_again(self, request, queryset):
        self.run_each(
            request,
            queryset.select_related("project"),
            lambda resource: services.resource_revalidate(
                actor=request.user, resource=resource, via=VIA_ADMIN
            ),
            done="Validation queued for {n} resource(s).",
            report_none=False,
        )

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


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class AuditedUserAdmin(UserAdmin):
    """Django's User admin, audited: a change of email (the role session name CloudTrail
    shows), username, active, staff or superuser writes an audit event with old and new
    values, and so does setting a password. People with history are deactivated, not deleted.
    """

    def save_model(self, request, obj, form, change):
        before = {}
        if change:
            before = users.user_values(type(obj).objects.get(pk=obj.pk))
        super().save_model(request, obj, form, change)
        users.user_changes_record(actor=request.user, user=obj, before=before)

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, id)
                users.user_password_set_record(actor=request.user, user=user)
        return response

    def delete_view(self, request, object_id, extra_context=None):
        user = self.get_object(request, object_id)
        if user is not None and users.user_has_history(user):
            return refused_page(
                self,
                request,
                title=f"{user} cannot be deleted",
                reason=users.USER_HAS_HISTORY.format(user=user.email or user.get_username()),
            )
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions
