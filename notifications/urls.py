from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("projects/<slug:slug>/notifications/slack/", views.slack_set, name="slack_set"),
    path(
        "projects/<slug:slug>/notifications/slack/remove/",
        views.slack_remove,
        name="slack_remove",
    ),
]
