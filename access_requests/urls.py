from django.urls import path

from access_requests import views

app_name = "access_requests"

urlpatterns = [
    path("projects/<slug:slug>/requests/", views.request_list, name="list"),
    path("projects/<slug:slug>/requests/new/", views.request_create, name="create"),
    path("projects/<slug:slug>/requests/<uuid:pk>/", views.request_detail, name="detail"),
    path("projects/<slug:slug>/requests/<uuid:pk>/review/", views.request_review, name="review"),
    path("projects/<slug:slug>/requests/<uuid:pk>/cancel/", views.request_cancel, name="cancel"),
    path("projects/<slug:slug>/requests/<uuid:pk>/end/", views.grant_end, name="end"),
    path(
        "projects/<slug:slug>/requests/<uuid:pk>/after-review/",
        views.break_glass_review,
        name="after_review",
    ),
]
