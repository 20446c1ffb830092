"""The benchmark's printed table (``manage.py bench`` writes the same figures as JSON)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tracker.tooling.bench.targets import PAGE_TARGETS


def print_table(result: dict[str, Any], w: Callable[[str], Any]) -> None:
    """The figures as a table, each beside its target, then the targets met and missed."""
    db = result["database"]
    w("")
    w(
        f"bench: {result['n_cases']:,} cases, {result['history_per_case']} history rows/case, "
        f"{db['vendor']} {db['version']}, {result['machine']['cpu_count']} CPUs, "
        f"{result['repeat']} requests per figure"
    )
    w(f"{'figure':<24}{'p50 ms':>9}{'p95 ms':>9}{'cpu ms':>9}{'queries':>9}   target")
    figures = result["figures"]
    for key, (ms, queries) in PAGE_TARGETS.items():
        f = figures.get(key)
        if not f:
            continue
        target = []
        if ms is not None:
            target.append(f"p50 ≤ {ms} {'ok' if f['p50_ms'] <= ms else 'MISSED'}")
        if queries is not None:
            target.append(f"≤ {queries} q {'ok' if f['queries'] <= queries else 'MISSED'}")
        w(
            f"{key:<24}{f['p50_ms']:>9.1f}{f['p95_ms']:>9.1f}{f['cpu_p50_ms']:>9.1f}"
            f"{f['queries']:>9}   {', '.join(target)}"
        )
    for which in ("page1", "filtered", "deep"):
        r = figures.get(f"ratio_{which}")
        if r is not None:
            rc = figures.get(f"ratio_cpu_{which}", 0)
            w(
                f"{'ratio list/admin ' + which:<24}{r:>9.2f}{'':>9}{rc:>9.2f}{'':>9}   "
                f"≤ 1.0 {'ok' if r <= 1.0 else 'MISSED'}"
            )
    for key, label in (
        ("report", "monthly report"),
        ("import", "import"),
        ("export", "XLSX export"),
        ("verify_audit", "verify_audit"),
        ("overhead", "per-request overhead"),
    ):
        f = figures.get(key)
        if f is None:
            continue
        if f.get("available") is False:
            w(f"{label:<24}not available ({f.get('reason', '')})")
        elif "error" in f:
            w(f"{label:<24}ERROR {f['error']}")
        else:
            shown = ", ".join(f"{k}={v}" for k, v in f.items() if k != "available")
            w(f"{label:<24}{shown}")
    missed = [k for k, v in result["targets"].items() if not v["ok"]]
    w(
        f"targets: {len(result['targets']) - len(missed)} met, {len(missed)} missed"
        + (f" ({', '.join(missed)})" if missed else "")
    )
    w(f"total {result['seconds_total']} s")
