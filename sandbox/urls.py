from django.urls import path

from sandbox import views

app_name = "sandbox"

urlpatterns = [
    path("federation", views.federation, name="federation"),
    path("oauth", views.oauth, name="oauth"),
    path("console/<uuid:pk>/", views.console_session, name="console_session"),
    path("console/<uuid:pk>/try", views.console_try, name="console_try"),
]
