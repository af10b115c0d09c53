"""The site's URLs plus the sandbox's, as pamsite/urls.py routes them when PAM_SANDBOX is on."""

from django.urls import include, path

from pamsite.urls import urlpatterns as site_urlpatterns

urlpatterns = [*site_urlpatterns, path("sandbox/", include("sandbox.urls"))]
