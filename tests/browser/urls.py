"""The site's URLs plus the sandbox's federation stand-in, served by the live server itself so
the Access redirect stays on the site's origin (the CSP's form-action allows 'self')."""

from django.urls import include, path

from pamsite.urls import urlpatterns as site_urlpatterns

urlpatterns = [*site_urlpatterns, path("sandbox/", include("sandbox.urls"))]
