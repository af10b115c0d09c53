from django.urls import path

from sessions_audit import views

app_name = "sessions_audit"

urlpatterns = [
    path("me/sessions/", views.my_sessions, name="mine"),
    path("projects/<slug:slug>/sessions/", views.session_list, name="list"),
    path("projects/<slug:slug>/audit/", views.audit_log, name="audit"),
    path("projects/<slug:slug>/audit/export", views.audit_export, name="audit_export"),
    path(
        "projects/<slug:slug>/sessions/<uuid:pk>/evidence.json",
        views.session_evidence,
        name="evidence",
    ),
    path("projects/<slug:slug>/sessions/export.csv", views.session_export, name="export"),
    path("projects/<slug:slug>/sessions/<uuid:pk>/", views.session_detail, name="detail"),
    path(
        "projects/<slug:slug>/sessions/<uuid:pk>/fetch-events/",
        views.session_events_fetch_view,
        name="fetch_events",
    ),
]
