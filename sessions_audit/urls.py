from django.urls import path  # noqa: F401

from sessions_audit import views  # noqa: F401

app_name = "sessions_audit"

urlpatterns: list = []
