"""Login lockout behind a real reverse proxy (issue 19, finding 1).

The README's deployment: nginx (Debian's package) on loopback in front of gunicorn with
production settings (DEBUG off, a random secret key, TRACKER_PROXY_COUNT=1), on this test's
database. Clients connect to nginx from different loopback addresses (127.0.0.2, 127.0.0.3),
so nginx sees different clients exactly as on a network. Five failed logins for one account
from one client lock that account for that client only: another client still signs in to the
same account, and a forged X-Forwarded-For does not get the locked client out.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection

from tests.factories import UserFactory
from tracker.cases.workflow import Role

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PASSWORD = "correct-horse-battery-9"


@pytest.fixture(autouse=True)
def _nginx_installed():
    # Fails, never skips: the deployment under test needs it (.ci/run installs it).
    assert os.path.exists(NGINX), "Debian's nginx package is needed: apt-get install nginx"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _wait_for(port: int, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"{what} exited: {out}\n{err}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{what} did not start on port {port}")


NGINX_CONF = """
daemon off;
master_process on;
worker_processes 1;
user root root;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


@pytest.fixture
def proxied_site(committed_db, tmp_path):
    """(nginx port) with gunicorn behind it, both stopped after the test."""
    app_port, proxy_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_BEHIND_PROXY": "1",
        "TRACKER_PROXY_COUNT": "1",
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_EMAIL_HOST": "localhost",
        "DJANGO_DEFAULT_FROM_EMAIL": "tracker@example.gov.cn",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.pop("DJANGO_TEST_DB_NAME", None)
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "tracker.config.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{app_port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    conf = tmp_path / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp_path, port=proxy_port, upstream=app_port))
    nginx = subprocess.Popen(
        [NGINX, "-c", str(conf), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(app_port, gunicorn, "gunicorn")
        _wait_for(proxy_port, nginx, "nginx")
        yield proxy_port
    finally:
        for proc in (nginx, gunicorn):
            proc.terminate()
            try:
                proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()


class Browser:
    """One client at one loopback address, keeping its cookies."""

    def __init__(self, port: int, address: str):
        self.port, self.address, self.cookies = port, address, {}

    def request(self, method: str, path: str, body: dict | None = None, headers=None):
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=60, source_address=(self.address, 0)
        )
        head = {"Host": "127.0.0.1", **(headers or {})}
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            head["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=data, headers=head)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        conn.close()
        return response.status, dict(response.getheaders()), text

    def login(self, username: str, password: str, headers=None) -> int:
        status, _h, page = self.request("GET", "/accounts/login/", headers=headers)
        assert status == 200, page[:500]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _h, _page = self.request(
            "POST",
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password},
            headers=headers,
        )
        return status


def test_one_client_cannot_lock_out_others_behind_nginx(proxied_site, county_a):
    for name in ("alice", "bob"):
        user = UserFactory(username=name, role=Role.STAFF, jurisdiction=county_a)
        user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
        user.save()
    attacker = Browser(proxied_site, "127.0.0.2")
    colleague = Browser(proxied_site, "127.0.0.3")

    for _ in range(4):
        assert attacker.login("alice", "wrong-password") == 200  # the form again, with errors
    assert attacker.login("alice", "wrong-password") == 429  # the fifth failure locks
    # alice is locked for the attacker's client, even with the right password...
    assert attacker.login("alice", PASSWORD) == 429
    # ...and forging X-Forwarded-For does not make the attacker someone else.
    assert attacker.login("alice", PASSWORD, headers={"X-Forwarded-For": "127.0.0.3"}) == 429
    # Every other client signs in to the same account, and to others.
    assert colleague.login("alice", PASSWORD) == 302
    assert Browser(proxied_site, "127.0.0.3").login("bob", PASSWORD) == 302
    # The attacker's client is not locked out of other accounts either (per account+client).
    assert attacker.login("bob", PASSWORD) == 302

    from axes.models import AccessAttempt

    attempts = list(AccessAttempt.objects.values_list("username", "ip_address"))
    assert attempts == [("alice", "127.0.0.2")]
