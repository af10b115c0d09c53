from django.urls import path

from resources import views

app_name = "resources"

urlpatterns = [
    path("projects/<slug:slug>/", views.project_detail, name="project"),
    path("projects/<slug:slug>/resources/", views.resource_list, name="list"),
    path("projects/<slug:slug>/resources/new/", views.resource_create_view, name="create"),
    path("projects/<slug:slug>/resources/<int:pk>/", views.resource_edit, name="edit"),
    path("projects/<slug:slug>/resources/<int:pk>/status/", views.resource_status, name="status"),
    path(
        "projects/<slug:slug>/resources/<int:pk>/validate/",
        views.resource_validate,
        name="validate",
    ),
    path(
        "projects/<slug:slug>/resources/<int:pk>/retire/",
        views.resource_retire_view,
        name="retire",
    ),
    path("projects/<slug:slug>/members/", views.member_list, name="members"),
    path(
        "projects/<slug:slug>/members/<int:pk>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path(
        "projects/<slug:slug>/members/invitations/<int:pk>/cancel/",
        views.invitation_cancel,
        name="invitation_cancel",
    ),
    path("projects/<slug:slug>/members/groups/", views.group_rule_add, name="group_rule_add"),
    path(
        "projects/<slug:slug>/members/groups/<int:pk>/remove/",
        views.group_rule_remove,
        name="group_rule_remove",
    ),
]
