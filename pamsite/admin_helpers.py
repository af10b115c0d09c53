"""Django admin on top of the apps' services: the admin calls the same services as the pages
(one write path per model), and a refusal from a service is shown as admin's own message."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse


def refused_page(model_admin, request, *, title: str, reason: str, back_url: str = ""):
    """Admin's own 403 page, in admin's look, saying why something is not allowed."""
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "reason": reason,
        "verbose_name_plural": opts.verbose_name_plural,
        "back_url": back_url or reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
    }
    return TemplateResponse(request, "admin/refused.html", context, status=403)


class ServiceAdmin(admin.ModelAdmin):
    """A ModelAdmin whose save_model/delete_model call services. When a service refuses (a
    rule such as "a project needs at least one admin", or the caller's role), the transaction
    admin opened is rolled back and the page comes back with the reason instead of a 500."""

    @staticmethod
    def _reason(exc: Exception) -> str:
        return " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)

    def _refused(self, request, exc: Exception):
        self.message_user(request, f"Not saved: {self._reason(exc)}", messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def run_each(self, request, objects, act, *, done: str, report_none: bool = True) -> int:
        """A bulk action through a service: `act(obj)` for each object; a refusal is shown
        for that object and the others go on; `done` (with {n}) reports how many went."""
        count = 0
        for obj in objects:
            try:
                act(obj)
                count += 1
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, f"{obj}: {self._reason(exc)}", messages.ERROR)
        if count or report_none:
            self.message_user(request, done.format(n=count))
        return count

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, PermissionDenied) as exc:
            if request.method != "POST":
                raise
            return self._refused(request, exc)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except (ValidationError, PermissionDenied) as exc:
            if request.method != "POST":
                raise
            return self._refused(request, exc)

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except (ValidationError, PermissionDenied) as exc:
            if request.method != "POST":
                raise
            return self._refused(request, exc)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        """Inlines write their rows through services too: each inline class of a ServiceAdmin
        has a classmethod save_through_services(request=, parent=, formset=), called with the
        validated formset's new, changed and deleted objects."""
        inline = next(
            i for i in self.get_inlines(request, form.instance) if i.model is formset.model
        )
        formset.save(commit=False)  # fills new_objects, changed_objects, deleted_objects
        inline.save_through_services(request=request, parent=form.instance, formset=formset)


def adopt(obj, created) -> None:
    """Make the admin's unsaved `obj` the row a create service just saved, so admin's own
    steps after save_model (inlines, the log entry, the redirect) see it."""
    obj.pk = created.pk
    obj.refresh_from_db()
    obj._state.adding = False
