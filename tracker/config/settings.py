"""Settings for the intermediary services and fee clean-up tracker.

Every deployment-specific value comes from an environment variable with a safe
development default; see README.md "Configuration".

Coherent blocks live in their own modules, imported here: ``env`` (BASE_DIR, DEBUG and the
environment-variable helpers), ``security`` (login throttling, proxies, CSP, sessions and
cookies, HTTPS), ``rest_api`` (REST API and webhooks) and ``sign_in`` (second factor, LDAP, OIDC).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from tracker.config.env import (
    BASE_DIR,
    DEBUG,
    database_from_url,
    env_bool,
    env_list,
    sqlite_database,
)
from tracker.config.rest_api import *  # noqa: F403
from tracker.config.security import *  # noqa: F403
from tracker.config.sign_in import *  # noqa: F403
from tracker.config.sign_in import LDAP_URI, OIDC_RP_CLIENT_ID

# The fallback is refused by ``check --deploy`` (tracker.web.checks.secret_key_check).
SECRET_KEY = (
    os.environ.get("DJANGO_SECRET_KEY")
    or "dev-only-insecure-key-change-me-in-production-0123456789abcdef"
)
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

# Single sign-on backends, when configured (tracker.config.sign_in).
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
