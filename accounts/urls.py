from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns: list = [
    path("projects/<slug:slug>/accounts/", views.account_list, name="list"),
    path("projects/<slug:slug>/accounts/new/", views.account_create_view, name="create"),
    path("projects/<slug:slug>/accounts/<int:pk>/edit/", views.account_edit, name="edit"),
    path(
        "projects/<slug:slug>/accounts/<int:pk>/retire/", views.account_retire_view, name="retire"
    ),
    path(
        "projects/<slug:slug>/accounts/<int:pk>/access/", views.account_access_view, name="access"
    ),
    path("projects/<slug:slug>/accounts/<int:pk>/step-up/", views.account_step_up, name="step_up"),
    path(
        "projects/<slug:slug>/accounts/<int:pk>/revoke-sessions/",
        views.account_sessions_revoke_view,
        name="sessions_revoke",
    ),
    path(
        "projects/<slug:slug>/sessions/<uuid:pk>/revoke/",
        views.session_revoke_view,
        name="session_revoke",
    ),
]
