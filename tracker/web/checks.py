"""System checks run at start-up: a misconfigured report font is refused with a clear message;
under ``--deploy`` a weak or built-in secret key is an Error."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register()
def report_font_check(app_configs, **kwargs):
    from tracker.reports.fonts import font_problem

    problem = font_problem(getattr(settings, "REPORT_FONT_PATH", ""))
    return [Error(problem, id="tracker.E001")] if problem else []


# The key settings.py falls back to when DJANGO_SECRET_KEY is not set (development only).
DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789abcdef"
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_UNIQUE = 5


def secret_key_problem(key: str | None) -> str | None:
    """Why ``key`` must not sign sessions and tokens in production, or None."""
    if not key:
        return "未设置 SECRET_KEY（DJANGO_SECRET_KEY）。No SECRET_KEY is set."
    if key == DEV_SECRET_KEY or key.startswith("django-insecure-"):
        return (
            "SECRET_KEY 是内置的开发用密钥，请通过 DJANGO_SECRET_KEY 设置随机密钥。"
            "SECRET_KEY is the built-in development key."
        )
    if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < MIN_SECRET_KEY_UNIQUE:
        return (
            f"SECRET_KEY 过短或过于简单（至少 {MIN_SECRET_KEY_LENGTH} 个字符、"
            f"{MIN_SECRET_KEY_UNIQUE} 种不同字符）。SECRET_KEY is too short or too simple."
        )
    return None


@register(Tags.security, deploy=True)
def secret_key_check(app_configs, **kwargs):
    """Under ``check --deploy``: an Error (not Django's warning) for a missing, short or
    built-in secret key, so a production start-up with the development key fails."""
    problem = secret_key_problem(getattr(settings, "SECRET_KEY", ""))
    hint = 'python -c "import secrets; print(secrets.token_urlsafe(64))"'
    return [Error(problem, hint=hint, id="tracker.E010")] if problem else []


# The key settings.py falls back to in DEBUG when TRACKER_AUDIT_WITNESS_KEY is not set.
DEV_AUDIT_WITNESS_KEY = "dev-only-audit-witness-key-change-me-in-production-0123456789"
MIN_AUDIT_WITNESS_KEY_LENGTH = 32


@register(Tags.security, deploy=True)
def audit_witness_key_check(app_configs, **kwargs):
    """Under ``check --deploy``: an Error for a missing, short or built-in HMAC key of the audit
    chain's witnessed heads (tracker.audit.witness); it must live outside the database."""
    key = getattr(settings, "AUDIT_WITNESS_KEY", "") or ""
    if not key:
        problem = (
            "未设置审计链见证密钥（TRACKER_AUDIT_WITNESS_KEY）。"
            "No AUDIT_WITNESS_KEY (TRACKER_AUDIT_WITNESS_KEY) is set."
        )
    elif key == DEV_AUDIT_WITNESS_KEY:
        problem = (
            "审计链见证密钥是内置的开发用密钥，请通过 TRACKER_AUDIT_WITNESS_KEY 设置随机密钥。"
            "AUDIT_WITNESS_KEY is the built-in development key."
        )
    elif len(key) < MIN_AUDIT_WITNESS_KEY_LENGTH or len(set(key)) < MIN_SECRET_KEY_UNIQUE:
        problem = (
            f"审计链见证密钥过短或过于简单（至少 {MIN_AUDIT_WITNESS_KEY_LENGTH} 个字符）。"
            "AUDIT_WITNESS_KEY is too short or too simple."
        )
    else:
        return []
    hint = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'
    return [Error(problem, hint=hint, id="tracker.E011")]
