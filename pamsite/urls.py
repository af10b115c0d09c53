from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from pamsite import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("", include("resources.project_urls")),
    path("", include("identity.urls")),  # before admin/: admin's sign-in is the app's
    path("admin/", admin.site.urls),
    path("", include("resources.urls")),
    path("", include("accounts.urls")),
    path("", include("sessions_audit.urls")),
    path("", include("access_requests.urls")),
    path("", include("notifications.urls")),
]

if settings.PAM_SANDBOX:  # settings refuse PAM_SANDBOX without DEBUG
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))

handler500 = "pamsite.errors.server_error"
