"""Settings for the PAM console, read from the environment (see .env.example and README)."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from pamsite.aws.clients import parse_platform_profiles
from pamsite.client_ip import trusted_networks
from pamsite.oidc import providers_from_env

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env(
        "DJANGO_SECRET_KEY", default="insecure-debug-only-key-never-used-with-debug-off"
    )
else:
    try:
        SECRET_KEY = env("DJANGO_SECRET_KEY")
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off."
        ) from exc

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # allauth.mfa's security-key list
    "django_htmx",
    "template_partials",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    "resources",
    "accounts",
    "sessions_audit",
    "identity",
    "access_requests",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "pamsite.security.SecurityHeadersMiddleware",
    "pamsite.security.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "identity.middleware.RequireMfaMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "pamsite.urls"
WSGI_APPLICATION = "pamsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pamsite.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in: django-allauth (identity/ adapts it). People sign in through the company's OIDC
# providers (pamsite/oidc.py reads them from the environment); local passwords remain for the
# embedded default, the sandbox and break-glass, throttled per account and per client IP.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "identity.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "identity.adapter.SocialAccountAdapter"
ACCOUNT_FORMS = {"login": "identity.forms.LoginForm"}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"  # local accounts are made by platform admins
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
# Failed local sign-ins: at most PAM_LOGIN_IP_LIMIT a minute from one client IP and
# PAM_LOGIN_ACCOUNT_LIMIT per PAM_LOGIN_LOCKOUT_MINUTES for one account; past that even the
# right password is refused until the window has passed.
PAM_LOGIN_IP_LIMIT = env.int("PAM_LOGIN_IP_LIMIT", default=10)
PAM_LOGIN_ACCOUNT_LIMIT = env.int("PAM_LOGIN_ACCOUNT_LIMIT", default=5)
PAM_LOGIN_LOCKOUT_MINUTES = env.int("PAM_LOGIN_LOCKOUT_MINUTES", default=15)
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"{PAM_LOGIN_IP_LIMIT}/m/ip,"
    f"{PAM_LOGIN_ACCOUNT_LIMIT}/{PAM_LOGIN_LOCKOUT_MINUTES * 60}s/key",
}
PAM_LOCAL_LOGIN = env.bool("PAM_LOCAL_LOGIN", default=True)
# A second factor (TOTP, with recovery codes) for local passwords: "everyone" who signs in with
# a password, "admins" (Django staff and project admins) or "off". SSO relies on the provider's.
PAM_MFA_REQUIRED = env.str("PAM_MFA_REQUIRED", default="admins")
if PAM_MFA_REQUIRED not in ("everyone", "admins", "off"):
    raise ImproperlyConfigured("PAM_MFA_REQUIRED must be everyone, admins or off.")
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
# WebAuthn wants a secure origin: https, or http://localhost in development.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_TOTP_ISSUER = "PAM Console"
MFA_ALLOW_UNVERIFIED_EMAIL = True  # local accounts' emails are set by platform admins
# Email an invitation to someone added who has no user yet (Django's email backend).
PAM_INVITATION_EMAILS = env.bool("PAM_INVITATION_EMAILS", default=True)
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="pam-console@localhost")
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": providers_from_env(env)}}
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False  # starting a sign-in is a POST (CSRF), not a link
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # never matched on email: on (issuer, subject)
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"  # the provider verifies (email_verified required)
SOCIALACCOUNT_STORE_TOKENS = False  # no access or refresh token is ever kept

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))

# Cache: shared Redis when there is one (rate limits must hold across workers), else per process.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "pam",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis as broker when REDIS_URL is set; otherwise tasks run in-process (embedded default).
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = 60
CELERY_TASK_SOFT_TIME_LIMIT = 45
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker that is down must not hang a web request: fail fast, the caller records it.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BEAT_SCHEDULE = {
    "expire-sessions": {
        "task": "sessions_audit.tasks.sessions_expire_task",
        "schedule": 60.0,
    },
    # Validations that could not be queued (broker down) or never reported back run again.
    "resume-resource-validations": {
        "task": "resources.tasks.resources_validation_resume_task",
        "schedule": 300.0,
    },
    "resume-account-validations": {
        "task": "accounts.tasks.accounts_validation_resume_task",
        "schedule": 300.0,
    },
    # Requests nobody answered expire; grants whose time is up close (sessions revoked).
    "expire-requests": {"task": "access_requests.tasks.requests_expire_task", "schedule": 60.0},
    "close-grants": {"task": "access_requests.tasks.grants_close_task", "schedule": 60.0},
    # What each ended session did, from CloudTrail (where the Resource opted in).
    "fetch-session-events": {
        "task": "sessions_audit.tasks.sessions_evidence_due_task",
        "schedule": 120.0,
    },
    # Notifications that could not be delivered at once are tried again.
    "deliver-notifications": {
        "task": "notifications.tasks.notifications_deliver_queued_task",
        "schedule": 60.0,
    },
    "grants-ending-soon": {"task": "access_requests.tasks.grants_ending_task", "schedule": 60.0},
    # Deny policies whose sessions have all ended are removed from the target roles.
    "clean-up-revocations": {
        "task": "accounts.tasks.revocations_cleanup_task",
        "schedule": 300.0,
    },
}

# Security. Production values are the defaults; DEBUG relaxes only what plain http needs.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False)
    else None
)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=8 * 3600)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
# No Referer leaves the site (the login URL carries a sign-in token, and page URLs name
# projects). Not "no-referrer": browsers then send `Origin: null` on every form POST and
# Django's CSRF check refuses them all (found by the browser tests).
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# AWS and the product.
AWS_REGION = env("AWS_REGION", default=env("AWS_DEFAULT_REGION", default="us-east-1"))
# Overrides the partition's sign-in host (sandbox and tests only).
PAM_FEDERATION_ENDPOINT = env("PAM_FEDERATION_ENDPOINT", default="")
# The platform's AWS account id for trust policies; discovered with GetCallerIdentity if unset.
PAM_PLATFORM_ACCOUNT_ID = env("PAM_PLATFORM_ACCOUNT_ID", default="")
# Encrypts stored secrets (a project's Slack webhook URL): a Fernet key, made with
# `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.
# Unset: Slack webhooks cannot be saved (email notifications still work).
PAM_ENCRYPTION_KEY = env("PAM_ENCRYPTION_KEY", default="")
# The platform identity in GovCloud and China: a profile per partition (pamsite.aws.clients
# reads the variable; checked here so a typo stops the start with a message).
try:
    parse_platform_profiles(env("PAM_PLATFORM_PROFILES", default=""))
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from None
# Open the console in this region (regional sign-in host and console); empty: the global ones.
PAM_CONSOLE_REGION = env("PAM_CONSOLE_REGION", default="")
PAM_SANDBOX = env.bool("PAM_SANDBOX", default=False)
if PAM_SANDBOX and not DEBUG:
    raise ImproperlyConfigured(
        "PAM_SANDBOX simulates AWS and needs DEBUG on; it must never run as a deployment."
    )
# The sandbox app (`manage.py sandbox`, the federation stand-in) exists only in development;
# its URLs are routed only when PAM_SANDBOX is on (pamsite/urls.py).
if DEBUG:
    INSTALLED_APPS.append("sandbox")
# The Issuer shown on the AWS sign-in page, and where "sign out" in the console sends people.
PAM_ISSUER_URL = env("PAM_ISSUER_URL", default="http://127.0.0.1:8000/")
# Access clicks one user may make per minute.
PAM_ACCESS_RATE_LIMIT = env.int("PAM_ACCESS_RATE_LIMIT", default=20)
# The reverse proxies (CIDRs) whose X-Forwarded-For is believed (pamsite/client_ip.py);
# empty: the peer address (REMOTE_ADDR) is the client's.
PAM_TRUSTED_PROXIES = [p for p in env.list("PAM_TRUSTED_PROXIES", default=[]) if p.strip()]
trusted_networks(PAM_TRUSTED_PROXIES)  # a typo stops the start with a message, never trusts all

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # botocore at DEBUG prints request bodies, which hold credentials: never below INFO.
    "loggers": {
        "botocore": {"level": "WARNING"},
        "boto3": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # moto (sandbox, tests) dumps request bodies with session tokens at DEBUG.
        "moto": {"level": "WARNING"},
    },
}

# Serve static files from the app folders too when collectstatic has not run (tests, sandbox).
WHITENOISE_USE_FINDERS = True

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
