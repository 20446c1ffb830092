"""One benchmark run: the synthetic province built (or a kept one reused) and every figure
group measured, each feature under a time limit so a slow one cannot stall the run."""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Callable
from typing import Any

from tracker.tooling.bench import features
from tracker.tooling.bench.database import analyze
from tracker.tooling.bench.pages import measure_pages


class FeatureTimeout(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: int):
    """Raise FeatureTimeout in the main thread after ``seconds`` (POSIX interval timer)."""
    if not seconds or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(signum, frame):
        raise FeatureTimeout

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def build_or_load(n: int, k: int, *, reuse: bool, note: Callable[[str], None]) -> dict[str, Any]:
    """The bench data (built now, or the kept database's) and the users and cases measured."""
    from tracker.models import Case, Jurisdiction, User

    if not reuse:
        info = build_fresh(n, k, note)
    else:
        info = {"reused": True, "cases": Case.objects.count()}
        n = info["cases"]
    county_user = (
        User.objects.filter(username__startswith="bench-staff-")
        .select_related("jurisdiction")
        .order_by("username")
        .first()
    )
    return {
        "_info": info,
        "admin": User.objects.get(username="bench-province-admin"),
        "county_user": county_user,
        "city": Jurisdiction.objects.filter(level="city").order_by("code").first(),
        "big": Case.objects.filter(title__endswith="（时间线基准）").order_by("-id").first(),
        "big500": Case.objects.filter(title__endswith="（时间线基准500）").order_by("-id").first(),
        "typical": Case.objects.filter(kind="fee", status="in_progress").order_by("id").first(),
        "n": n,
    }


def build_fresh(n: int, k: int, note: Callable[[str], None]) -> dict[str, Any]:
    from tracker.redflags.rules import sync
    from tracker.tooling.benchdata import build

    note(f"building {n:,} cases with {k} history rows each …")
    built = build(n, k, progress=note)
    t = time.perf_counter()
    analyze()
    t_analyze = time.perf_counter() - t
    # The red-flag rows, computed from scratch as on the first dashboard view after an
    # upgrade (afterwards each view only reads the links added since the last).
    t = time.perf_counter()
    sync(rebuild=True)
    t_flags = time.perf_counter() - t
    note(
        f"built in {built.seconds:.1f} s ({built.history_rows:,} history rows); "
        f"ANALYZE {t_analyze:.1f} s; red-flag rows rebuilt in {t_flags:.1f} s"
    )
    return {
        "build_seconds": round(built.seconds, 1),
        "redflag_rebuild_seconds": round(t_flags, 2),
        **built.counts,
    }


class Measurements:
    """Every figure group the run asks for (``--only``), each feature under a time limit."""

    def __init__(self, note: Callable[[str], None], feature_timeout: int):
        self.note = note
        self.feature_timeout = feature_timeout

    def all(self, data: dict[str, Any], repeat: int, only: set[str]) -> dict[str, Any]:
        figures: dict[str, Any] = {}
        groups: list[tuple[str, str, Callable[[], dict[str, Any]]]] = [
            ("report", "monthly report", lambda: features.measure_report(data)),
            ("import", "import", lambda: features.measure_import(data)),
            ("export", "XLSX export", lambda: features.measure_export(data)),
            ("verify", "verify_audit", features.measure_verify),
            ("overhead", "input guard and read log", lambda: features.measure_overhead(data)),
        ]
        if not only or "pages" in only:
            figures.update(measure_pages(data, repeat, self.note))
        for group, label, fn in groups:
            if not only or group in only:
                key = "verify_audit" if group == "verify" else group
                figures[key] = self.optional(label, fn)
        return figures

    def optional(self, label: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        self.note(f"measuring {label} …")
        try:
            with time_limit(self.feature_timeout):
                return fn()
        except FeatureTimeout:
            self.note(f"  {label}: stopped after {self.feature_timeout} s")
            return {"available": True, "timed_out": True, "seconds": f"> {self.feature_timeout}"}
        except Exception as exc:  # a failing feature is reported, not fatal to the run
            self.note(f"  {label}: ERROR {type(exc).__name__}: {exc}")
            return {"available": True, "error": f"{type(exc).__name__}: {exc}"}
