"""Sign-in and sign-out (allauth's views), single sign-on, and the names allauth reverses.

Only what this product uses is routed: no self-service sign-up, password reset by email or
account management pages."""

from allauth.account import views as account_views
from allauth.socialaccount import views as social_views
from django.urls import include, path
from django.views.decorators.http import require_POST

from identity import views

# Signing out is a POST (CSRF): no link, prefetch or image signs anyone out.
logout = require_POST(account_views.logout)

urlpatterns = [
    path("login/", account_views.login, name="login"),
    path("logout/", logout, name="logout"),
    path("admin/login/", views.admin_login, name="admin_login_redirect"),
    path("me/console/", views.console_preference, name="console_preference"),
    # allauth reverses these names in its flows: the same addresses.
    path("login/", account_views.login, name="account_login"),
    path("logout/", logout, name="account_logout"),
    path("auth/inactive/", account_views.account_inactive, name="account_inactive"),
    path("auth/reauthenticate/", account_views.reauthenticate, name="account_reauthenticate"),
    path("auth/mfa/", include("allauth.mfa.urls")),
    path("auth/signup/", views.signup_closed, name="account_signup"),
    path("sso/signup/", views.signup_closed, name="socialaccount_signup"),
    path("sso/cancelled/", social_views.login_cancelled, name="socialaccount_login_cancelled"),
    path("sso/error/", social_views.login_error, name="socialaccount_login_error"),
    path("sso/", include("allauth.socialaccount.providers.openid_connect.urls")),
]
