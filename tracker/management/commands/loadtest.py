"""``manage.py loadtest``: a bounded load test against a server on this machine's loopback.

Logged-in users (sessions written straight into the server's database, so no password is
needed) request a mix of the case list, a filtered list, case details and the dashboard from
several client threads for at most two minutes; the command prints requests per second,
p50/p95 latency and errors. Run it against a server started on a benchmark database
(docs/performance.md, "Load test")::

    python manage.py loadtest --base http://127.0.0.1:8000 --seconds 60 --clients 10

Only 127.0.0.1 / localhost are accepted: this is not a tool for loading anyone's server.
"""

from __future__ import annotations

import http.client
import json
import random
import statistics
import threading
import time
from collections import Counter
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from tracker.management.commands.bench import percentile

MAX_SECONDS = 120
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MIX = (("list", 3), ("filtered", 2), ("detail", 3), ("dashboard", 2))


def login_cookie(user) -> str:
    """A session for ``user`` in the database the server reads: the cookie to send."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


class Command(BaseCommand):
    help = "Bounded load test (at most 2 minutes) against a server on 127.0.0.1."
    requires_system_checks: list = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base", default="http://127.0.0.1:8000")
        parser.add_argument("--seconds", type=int, default=60, help="at most 120")
        parser.add_argument("--clients", type=int, default=10, help="concurrent client threads")
        parser.add_argument("--json", default="", help="write the figures to this JSON file")

    def handle(self, *args, **opts) -> None:
        base = loopback_base(opts["base"])
        seconds = max(1, min(opts["seconds"], MAX_SECONDS))
        users = bench_users()
        cookies = [login_cookie(u) for u in users]
        paths = request_paths(users)
        run = LoadRun(base, cookies, paths, seconds)
        self.stdout.write(
            f"loadtest: {opts['clients']} clients for {seconds} s against {opts['base']} …"
        )
        wall = run.run(opts["clients"])
        result = run.figures(wall, opts["clients"])
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
        if opts["json"]:
            with open(opts["json"], "w", encoding="utf-8") as fh:
                json.dump(result, fh, ensure_ascii=False, indent=2)


def loopback_base(url: str) -> SplitResult:
    """The server's address, refused unless it is plain HTTP on this machine's loopback."""
    base = urlsplit(url)
    if base.scheme != "http" or base.hostname not in LOOPBACK:
        raise CommandError("loadtest only runs against http://127.0.0.1 (or localhost).")
    return base


def bench_users() -> list:
    """The benchmark's province admin and first county staff member (those that exist)."""
    from tracker.models import User

    users = [
        User.objects.filter(username="bench-province-admin").first(),
        User.objects.filter(username__startswith="bench-staff-").order_by("username").first(),
    ]
    users = [u for u in users if u is not None]
    if not users:
        raise CommandError(
            "No benchmark users here: point DATABASE_URL at a database built by "
            "`manage.py bench --keep`."
        )
    return users


def request_paths(users: list) -> dict[str, list[str]]:
    """The paths of each kind of request in MIX (details: the last user's latest cases)."""
    from tracker.models import Case, Jurisdiction

    city = Jurisdiction.objects.filter(level="city").order_by("code").first()
    references = list(
        Case.objects.filter(jurisdiction__path__startswith=users[-1].jurisdiction.path)
        .order_by("-id")
        .values_list("reference", flat=True)[:200]
    )
    return {
        "list": [reverse("tracker:case_list")],
        "filtered": [
            reverse("tracker:case_list") + f"?kind=item&status=in_progress&jurisdiction={j}"
            for j in ([city.pk] if city else []) + [users[-1].jurisdiction_id]
        ],
        "detail": [reverse("tracker:case_detail", args=[r]) for r in references],
        "dashboard": [reverse("tracker:dashboard")],
    }


class LoadRun:
    """Client threads requesting the mix until ``seconds`` from now; the latencies they saw."""

    def __init__(
        self, base: SplitResult, cookies: list[str], paths: dict[str, list[str]], seconds: int
    ) -> None:
        self.base = base
        self.cookies = cookies
        self.paths = paths
        self.weights = [(kind, w) for kind, w in MIX if paths[kind]]
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.by_kind: dict[str, list[float]] = {k: [] for k, _w in self.weights}
        self.errors: Counter = Counter()
        self.stop_at = time.monotonic() + seconds

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.base.hostname, self.base.port or 80, timeout=30)

    def client(self, n: int) -> None:
        """One client thread: weighted random requests with the n-th user's cookie."""
        base = self.base
        rng = random.Random(n)
        cookie = self.cookies[n % len(self.cookies)]
        conn = self._connect()
        population = [k for k, _w in self.weights]
        cum = [w for _k, w in self.weights]
        while time.monotonic() < self.stop_at:
            kind = rng.choices(population, cum)[0]
            # the county user only reads what is in their county
            path = rng.choice(self.paths[kind])
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Cookie": cookie, "Host": base.netloc})
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                conn.close()
                conn = self._connect()
            elapsed = (time.perf_counter() - started) * 1000
            with self.lock:
                if status == 200:
                    self.latencies.append(elapsed)
                    self.by_kind[kind].append(elapsed)
                else:
                    self.errors[str(status)] += 1
        conn.close()

    def run(self, clients: int) -> float:
        """Run ``clients`` threads to the end; the wall-clock seconds it took."""
        threads = [threading.Thread(target=self.client, args=(n,)) for n in range(clients)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - t0

    def figures(self, wall: float, clients: int) -> dict:
        """Requests per second, p50/p95 latency and errors, overall and by kind of request."""
        latencies, errors = self.latencies, self.errors
        total = len(latencies) + sum(errors.values())
        return {
            "seconds": round(wall, 1),
            "clients": clients,
            "requests": total,
            "requests_per_s": round(total / wall, 1) if wall else 0,
            "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
            "p95_ms": round(percentile(latencies, 95), 1) if latencies else None,
            "errors": sum(errors.values()),
            "errors_by_status": dict(errors),
            "by_kind": {
                k: {
                    "requests": len(v),
                    "p50_ms": round(statistics.median(v), 1) if v else None,
                    "p95_ms": round(percentile(v, 95), 1) if v else None,
                }
                for k, v in self.by_kind.items()
            },
        }
