"""The project routes outside any project (no namespace): home, the switcher, New project."""

from django.urls import path

from resources import views

urlpatterns = [
    path("", views.home, name="home"),
    path("projects/", views.project_switch, name="project_switch"),
    path("projects/new/", views.project_create_view, name="project_create"),
]
