from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from pamsite import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("projects/", views.project_switch, name="project_switch"),
    path("projects/new/", views.project_create_view, name="project_create"),
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
