"""Settings for the intermediary services and fee clean-up tracker.

Every deployment-specific value comes from an environment variable with a safe
development default; see README.md "Configuration".
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


def database_from_url(url: str) -> dict:
    """Parse DATABASE_URL: sqlite:///path or postgres://user:pass@host:port/name."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if url.startswith("sqlite:////"):
            name = path  # absolute path
        else:
            name = str(BASE_DIR / path.lstrip("/")) if path else str(BASE_DIR / "db.sqlite3")
        return sqlite_database(name)
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "tracker",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
            "CONN_HEALTH_CHECKS": True,
            # One test database per test run so parallel runs never share it.
            "TEST": {
                "NAME": os.environ.get("DJANGO_TEST_DB_NAME")
                or f"test_{unquote(parsed.path.lstrip('/')) or 'tracker'}_{os.getpid()}"
            },
        }
    raise ValueError(f"Unsupported DATABASE_URL scheme: {parsed.scheme!r}")


def sqlite_database(name: str) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": name,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        },
        # A real file for tests too, one per test run so parallel runs never share it.
        "TEST": {
            "NAME": os.environ.get("DJANGO_TEST_DB_NAME")
            or str(BASE_DIR / f"test_db_{os.getpid()}.sqlite3")
        },
    }


# The fallback is refused by ``check --deploy`` (tracker.web.checks.secret_key_check).
SECRET_KEY = (
    os.environ.get("DJANGO_SECRET_KEY")
    or "dev-only-insecure-key-change-me-in-production-0123456789abcdef"
)
DEBUG = env_bool("DJANGO_DEBUG", True)
# HMAC key of the audit chain's witnessed heads (tracker.audit.witness): kept outside the
# database; the development default is refused by ``check --deploy``.
AUDIT_WITNESS_KEY = os.environ.get("TRACKER_AUDIT_WITNESS_KEY") or (
    "dev-only-audit-witness-key-change-me-in-production-0123456789" if DEBUG else ""
)
# The app's error pages even with DEBUG on (the demo); off shows Django's technical pages.
TRACKER_APP_ERROR_PAGES = env_bool("TRACKER_APP_ERROR_PAGES", True)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "django_filters",
    "django_htmx",
    "simple_history",
    "axes",
    "tracker",
    "intermediaries",
    "intermediaries.credit",
    "fees",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "mozilla_django_oidc",
    "tracker.api",
    "tracker.accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # /api/v1/ errors answered by any middleware or Django itself keep the API's JSON shape.
    "tracker.api.middleware.ApiJsonErrorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tracker.web.middleware.SessionActivityMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Admins and inspectors finish their second factor before any page (TRACKER_TOTP_REQUIRED).
    "tracker.accounts.middleware.SecondFactorMiddleware",
    "tracker.web.middleware.PrivateCacheMiddleware",
    "tracker.web.middleware.InputGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # With DEBUG on, the app's own 400/403/404/500 pages (TRACKER_APP_ERROR_PAGES=0: Django's).
    "tracker.web.errors.AppErrorPagesMiddleware",
    "tracker.web.middleware.DatabaseBusyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # AxesMiddleware last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "tracker.cases.auth.ScopedModelBackend",  # ModelBackend, loading the user's jurisdiction too
]

# Login throttling: lock an account, and separately an IP address, after repeated failures,
# always with a cool-off (never a permanent lock). With 5 failures per 15 minutes an account
# sees at most 20 failed attempts an hour, well under the limit of 100.
AXES_FAILURE_LIMIT = int(os.environ.get("TRACKER_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(
    minutes=int(os.environ.get("TRACKER_LOGIN_COOLOFF_MINUTES", "15"))
)
# Per account *and* client: five failures lock that account from that client only, so no one
# client can lock anyone else out (behind a proxy the client is taken from X-Forwarded-For,
# below; without TRACKER_PROXY_COUNT the header is ignored and REMOTE_ADDR is the client).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_VERBOSE = False
# Reverse proxies in front of the app (nginx: 1). Each appends the address it was connected
# from to X-Forwarded-For, so the client is the N-th entry from the right; anything further
# left was written by the client and is never trusted. tracker.web.security.client_ip does
# this for django-axes and the security log (django-ipware, with the same count and header
# precedence below, insists on the proxies' own addresses in the header too, which nginx's
# $proxy_add_x_forwarded_for does not add: with it alone every client behind nginx resolved
# to no address, one shared lockout).
TRACKER_PROXY_COUNT = int(os.environ.get("TRACKER_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "tracker.web.security.client_ip"
AXES_IPWARE_PROXY_COUNT = TRACKER_PROXY_COUNT or None
AXES_IPWARE_PROXY_ORDER = "right-most"
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if TRACKER_PROXY_COUNT else ("REMOTE_ADDR",)
)

# Content Security Policy: no inline scripts, nothing from other origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "tracker.config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tracker.web.context_processors.unread_notifications",
            ],
        },
    },
]

WSGI_APPLICATION = "tracker.config.wsgi.application"

DATABASE_URL = os.environ.get("DATABASE_URL", "")
DATABASES = {
    "default": database_from_url(DATABASE_URL)
    if DATABASE_URL
    else sqlite_database(str(BASE_DIR / "db.sqlite3"))
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "tracker.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "tracker:dashboard"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "tracker" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Evidence files live outside the static root and are served only through a
# scoped view (never by the web server directly).
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media-not-served/"

EVIDENCE_MAX_BYTES = int(os.environ.get("TRACKER_EVIDENCE_MAX_BYTES", str(20 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

DJANGO_TABLES2_TEMPLATE = "tracker/_table.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table"}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True

SESSION_COOKIE_HTTPONLY = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("DJANGO_SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_COOKIE_AGE", str(8 * 3600)))
# Inactivity expiry: each save restarts SESSION_COOKIE_AGE; SessionActivityMiddleware saves
# the session at most once a minute (SESSION_ACTIVITY_RESOLUTION) instead of on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_ACTIVITY_RESOLUTION = int(os.environ.get("DJANGO_SESSION_ACTIVITY_RESOLUTION", "60"))
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    if env_bool("DJANGO_BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# E-mail (reminders): console in development, SMTP in production.
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("DJANGO_EMAIL_TIMEOUT", "30"))
EMAIL_FILE_PATH = os.environ.get("DJANGO_EMAIL_FILE_PATH", str(BASE_DIR / "sent_emails"))
DEFAULT_FROM_EMAIL = os.environ.get(
    "DJANGO_DEFAULT_FROM_EMAIL", "tracker@localhost" if DEBUG else ""
)
# Absolute address of the site, for links in e-mails (e.g. https://tracker.example.gov.cn).
TRACKER_SITE_URL = os.environ.get("TRACKER_SITE_URL", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "tracker.web.security": {"handlers": ["console"], "level": "INFO"},
        "tracker.deadlines.reminders": {"handlers": ["console"], "level": "INFO"},
        "django.security": {"handlers": ["console"], "level": "WARNING"},
    },
}

TRACKER_SITE_TITLE = _("中介服务与收费清理台账")
SIMPLE_HISTORY_DATE_INDEX = "Composite"

# Monthly report PDF: the bundled Noto Serif SC / Noto Sans SC (embedded) unless one TrueType
# font is given for every role.
REPORT_FONT_PATH = os.environ.get("TRACKER_REPORT_FONT_PATH", "")
# The report as a document: issuing office ("{name}" = the report's jurisdiction), default
# distribution lines, and how many points below the time-elapsed schedule make a unit lagging.
REPORT_OFFICE = os.environ.get("TRACKER_REPORT_OFFICE", "{name}推进职能转变协调小组办公室")
REPORT_SEND_TO = os.environ.get(
    "TRACKER_REPORT_SEND_TO", "市委、市政府，省推进职能转变协调小组办公室"
)
REPORT_COPY_TO = os.environ.get(
    "TRACKER_REPORT_COPY_TO", "市纪委监委，市直有关部门，各县（市、区）推进职能转变协调小组办公室"
)
REPORT_LAG_POINTS = float(os.environ.get("TRACKER_REPORT_LAG_POINTS", "10"))

# Spreadsheet import limits.
IMPORT_MAX_BYTES = int(os.environ.get("TRACKER_IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
IMPORT_MAX_ROWS = int(os.environ.get("TRACKER_IMPORT_MAX_ROWS", "20000"))

# Keyed HMAC for matching duplicate persons without storing ID numbers (key outside the DB).
PERSON_HMAC_KEY = os.environ.get("TRACKER_PERSON_HMAC_KEY", "")

# --- REST API, webhooks, single sign-on, second factor (tracker.api, tracker.accounts) ---------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["tracker.api.auth.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["tracker.api.permissions.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["tracker.api.throttles.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tracker.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "中介服务与收费清理台账 API",
    "DESCRIPTION": "REST API of the intermediary services and fee clean-up tracker (v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set: the case status (also a transition's target), the case kind and
    # a note's kind (both fields are called "kind").
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "tracker.cases.workflow.Status",
        "NoteKindEnum": "tracker.cases.models.Note.Kind",
        "CaseKindEnum": "tracker.cases.registry.kind_choices",
    },
}
# Requests per minute per API token (and per client address for the public catalogue).
API_THROTTLE_RATE = os.environ.get("TRACKER_API_THROTTLE_RATE", "600/minute")
API_ANON_THROTTLE_RATE = os.environ.get("TRACKER_API_ANON_THROTTLE_RATE", "120/minute")
# Longest lifetime of an API token, in days.
API_TOKEN_MAX_DAYS = int(os.environ.get("TRACKER_API_TOKEN_MAX_DAYS", "365"))

# Webhooks: signed POSTs delivered after commit by a worker thread (no broker configured).
WEBHOOK_ALLOW_PRIVATE = env_bool("TRACKER_WEBHOOK_ALLOW_PRIVATE", False)
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("TRACKER_WEBHOOK_TIMEOUT_SECONDS", "10"))
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("TRACKER_WEBHOOK_MAX_ATTEMPTS", "6"))
WEBHOOK_RETRY_BASE_SECONDS = float(os.environ.get("TRACKER_WEBHOOK_RETRY_BASE_SECONDS", "30"))
# "thread": a worker thread of the app delivers; "off": only `manage.py deliver_webhooks` does.
WEBHOOK_WORKER = os.environ.get("TRACKER_WEBHOOK_WORKER", "thread")

# Second factor (TOTP) for reform admins and inspectors: on in production, off in the demo.
TOTP_REQUIRED = env_bool("TRACKER_TOTP_REQUIRED", not DEBUG)
OTP_TOTP_ISSUER = os.environ.get("TRACKER_TOTP_ISSUER", "中介服务与收费清理台账")

# LDAP sign-in (ldap3), on when TRACKER_LDAP_URI is set. See README "Single sign-on".
LDAP_URI = os.environ.get("TRACKER_LDAP_URI", "")
LDAP_BIND_DN = os.environ.get("TRACKER_LDAP_BIND_DN", "")
LDAP_BIND_PASSWORD = os.environ.get("TRACKER_LDAP_BIND_PASSWORD", "")
LDAP_USER_BASE = os.environ.get("TRACKER_LDAP_USER_BASE", "")
LDAP_USER_FILTER = os.environ.get("TRACKER_LDAP_USER_FILTER", "(uid={username})")
LDAP_GROUP_BASE = os.environ.get("TRACKER_LDAP_GROUP_BASE", "")
LDAP_GROUP_FILTER = os.environ.get("TRACKER_LDAP_GROUP_FILTER", "(member={dn})")
LDAP_START_TLS = env_bool("TRACKER_LDAP_START_TLS", False)
# JSON list of {"group": DN, "role": staff|admin|inspector|viewer, "jurisdiction": code}: the
# first row whose group the person belongs to gives the role and jurisdiction.
LDAP_GROUP_MAP = os.environ.get("TRACKER_LDAP_GROUP_MAP", "[]")

# OIDC sign-in (mozilla-django-oidc), on when TRACKER_OIDC_CLIENT_ID is set.
OIDC_RP_CLIENT_ID = os.environ.get("TRACKER_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("TRACKER_OIDC_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = os.environ.get("TRACKER_OIDC_SIGN_ALGO", "RS256")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("TRACKER_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("TRACKER_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("TRACKER_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("TRACKER_OIDC_JWKS_ENDPOINT", "")
OIDC_RP_SCOPES = os.environ.get("TRACKER_OIDC_SCOPES", "openid email profile")
OIDC_USERNAME_CLAIM = os.environ.get("TRACKER_OIDC_USERNAME_CLAIM", "preferred_username")
# JSON list of {"claim": name, "value": v, "role": ..., "jurisdiction": code}: the first row
# whose claim holds the value (or contains it, for list claims) gives role and jurisdiction.
OIDC_CLAIM_MAP = os.environ.get("TRACKER_OIDC_CLAIM_MAP", "[]")
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/"

if LDAP_URI:
    AUTHENTICATION_BACKENDS.append("tracker.accounts.ldap.LdapBackend")
if OIDC_RP_CLIENT_ID:
    AUTHENTICATION_BACKENDS.append("tracker.accounts.oidc.MappedOIDCBackend")

# Credit and supervision (intermediaries.credit): public complaints.
CREDIT_COMPLAINT_MAX_CHARS = int(os.environ.get("TRACKER_COMPLAINT_MAX_CHARS", "5000"))
CREDIT_COMPLAINT_MAX_BYTES = int(os.environ.get("TRACKER_COMPLAINT_MAX_BYTES", str(64 * 1024)))
CREDIT_COMPLAINT_RATE = int(os.environ.get("TRACKER_COMPLAINT_RATE", "5"))  # per client
CREDIT_COMPLAINT_RATE_WINDOW = int(os.environ.get("TRACKER_COMPLAINT_RATE_WINDOW", "3600"))  # s
CREDIT_COMPLAINT_REPLY_WORKING_DAYS = int(os.environ.get("TRACKER_COMPLAINT_REPLY_DAYS", "15"))
