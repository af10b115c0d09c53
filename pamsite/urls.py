from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from pamsite import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("", include("resources.project_urls")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("resources.urls")),
    path("", include("accounts.urls")),
    path("", include("sessions_audit.urls")),
]

if settings.PAM_SANDBOX:  # settings refuse PAM_SANDBOX without DEBUG
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))

handler500 = "pamsite.errors.server_error"
