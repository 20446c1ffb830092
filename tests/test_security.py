"""Hardening: headers, CSP without inline scripts, login throttling with a cool-off, security
logging without secrets, Chinese error pages, and a clean ``check --deploy`` in production."""

from __future__ import annotations

import datetime
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.test import Client, RequestFactory

from tests.factories import PASSWORD
from tracker.web import errors

ROOT = Path(__file__).resolve().parents[1]


def test_security_headers_and_csp(client_as, alice):
    response = client_as(alice).get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "'self'" in script_src and "unsafe-inline" not in script_src
    assert "frame-ancestors 'none'" in csp
    # No inline scripts anywhere on the page: only files from our own origin, with no body.
    page = response.content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, re.S)
    assert len(scripts) == page.count("<script")
    for attrs, body in scripts:
        assert re.search(r'src="/static/', attrs) and not body.strip(), attrs
    assert " on" + "click=" not in page and "javascript:" not in page


def test_session_cookie_is_httponly_and_expires_on_close(alice, settings):
    client = Client()
    client.post("/accounts/login/", {"username": alice.username, "password": PASSWORD})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600  # inactivity timeout


def test_inactivity_timeout_restarts_at_most_once_a_minute(alice):
    """Activity restarts the session's inactivity timeout (its expiry in the database),
    written at most once a minute rather than on every request; idle past the timeout, the
    session is gone."""
    from django.conf import settings
    from django.contrib.sessions.models import Session

    client = Client()
    start = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        client.post("/accounts/login/", {"username": alice.username, "password": PASSWORD})
        key = client.cookies[settings.SESSION_COOKIE_NAME].value
        first = Session.objects.get(pk=key).expire_date
    with time_machine.travel(start + datetime.timedelta(seconds=30), tick=False):
        assert client.get("/").status_code == 200
        assert Session.objects.get(pk=key).expire_date == first  # no write within the minute
    later = start + datetime.timedelta(hours=2)
    with time_machine.travel(later, tick=False):
        assert client.get("/").status_code == 200
        expiry = Session.objects.get(pk=key).expire_date
        assert expiry == later + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    idle = later + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE + 1)
    with time_machine.travel(idle, tick=False):
        response = client.get("/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_login_lockout_with_cool_off(alice, caplog):
    client = Client()
    caplog.set_level(logging.INFO, logger="tracker.web.security")
    start = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            r = client.post(
                "/accounts/login/", {"username": alice.username, "password": "wrong-pw"}
            )
            assert r.status_code in (200, 429)
        locked = client.post("/accounts/login/", {"username": alice.username, "password": PASSWORD})
        assert locked.status_code == 429
        assert "登录已暂时锁定" in locked.content.decode()
    # Never a permanent lock: after the cool-off the right password works again.
    with time_machine.travel(start + datetime.timedelta(minutes=16), tick=False):
        ok = client.post("/accounts/login/", {"username": alice.username, "password": PASSWORD})
        assert ok.status_code == 302
    text = caplog.text
    assert "login_failed" in text and "lockout" in text and "login_success" in text
    assert "wrong-pw" not in text and PASSWORD not in text
    assert alice.username not in text  # accounts are pseudonymised in the log


def test_at_most_100_failures_per_account_and_client_per_hour(settings):
    per_window = settings.AXES_FAILURE_LIMIT
    windows_per_hour = 60 / (settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    # Counted per account and client together: no client can lock out an account for others.
    assert ["username", "ip_address"] in settings.AXES_LOCKOUT_PARAMETERS
    assert per_window * windows_per_hour <= 100
    assert settings.AXES_COOLOFF_TIME  # a cool-off, never a permanent lock


def test_password_validators_refuse_weak_passwords(carol):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("12345678", carol)
    validate_password("Qinglan-reform-2026!", carol)


def test_permission_denial_is_logged_and_answered_in_chinese(client_as, ivan, case_a, caplog):
    caplog.set_level(logging.INFO, logger="tracker.web.security")
    response = client_as(ivan).get(f"/cases/{case_a.reference}/edit/")
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()
    assert "permission_denied" in caplog.text


def test_not_found_and_server_error_pages_in_chinese(client_as, alice):
    response = client_as(alice).get("/cases/330102-ITEM-2099-9999/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()
    server_error = errors.server_error(RequestFactory().get("/"))
    body = server_error.content.decode()
    assert server_error.status_code == 500 and "系统错误" in body
    assert "Traceback" not in body


def test_check_deploy_is_clean_with_production_variables():
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 20 + "-production-secret-key-for-the-check-0123456789",
        "TRACKER_AUDIT_WITNESS_KEY": "production-audit-witness-key-for-the-check-0123456789",
        "DJANGO_ALLOWED_HOSTS": "tracker.example.gov.cn",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests for their own thread
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "内置的开发用密钥"),  # DJANGO_SECRET_KEY not set: the development fallback
        ("", "内置的开发用密钥"),
        ("django-insecure-" + "k" * 50, "内置的开发用密钥"),
        ("a-short-production-key", "过短或过于简单"),
        ("ab" * 30, "过短或过于简单"),  # long but two characters
    ],
)
def test_check_deploy_refuses_a_weak_or_built_in_secret_key(key, message):
    env = {**os.environ, "DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "tracker.example.gov.cn"}
    env.pop("DJANGO_SECRET_KEY", None)
    if key is not None:
        env["DJANGO_SECRET_KEY"] = key
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0  # an Error, not Django's warning: it fails at any level
    assert "tracker.E010" in result.stderr and message in result.stderr, result.stderr


def test_a_locked_database_answers_503_not_500(alice, rf):
    from django.db import OperationalError

    from tracker.web.middleware import DatabaseBusyMiddleware

    request = rf.get("/cases/")
    request.user = alice
    middleware = DatabaseBusyMiddleware(lambda r: None)
    response = middleware.process_exception(request, OperationalError("database is locked"))
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "系统繁忙" in response.content.decode()
    assert middleware.process_exception(request, OperationalError("no such table")) is None
