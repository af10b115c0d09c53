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
]
