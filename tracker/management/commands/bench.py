"""``manage.py bench``: province-scale benchmarks in a database of their own.

Builds a synthetic province (``tracker.tooling.benchdata``) in a temporary SQLite file, or on
PostgreSQL in a database ``bench_<pid>`` that it creates and drops, and never touches the
configured application data. Then it measures the pages through Django's test client (median
and 95th percentile of repeated requests, and the SQL query count of one more), the monthly
report, import, ``verify_chain``, the XLSX export and the per-request cost of the input guard
and the personal read log. The parts live in ``tracker.tooling.bench``.

    python manage.py bench                    # 100,000 cases, ~10 history rows each
    python manage.py bench --quick            # 10,000 cases x 3 history rows: the CI smoke run
    python manage.py bench --cases 300 --json /tmp/bench.json

No time is asserted: the command prints each figure beside its target (DESIGN.md §6).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
import time
from typing import Any

import django
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from tracker.tooling.bench import BenchDatabase, db_version, evaluate, percentile
from tracker.tooling.bench.output import print_table
from tracker.tooling.bench.runner import Measurements, build_or_load
from tracker.tooling.bench.targets import DEFAULT_CASES, DEFAULT_HISTORY, QUICK_CASES, QUICK_HISTORY


class Command(BaseCommand):
    help = "Benchmarks at province scale in a database of its own (see docs/performance.md)."
    requires_system_checks: list = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, default=None, help="number of cases (100000)")
        parser.add_argument(
            "--history-per-case",
            type=int,
            default=None,
            help="history rows per case (10; 3 with --quick)",
        )
        parser.add_argument(
            "--quick",
            action="store_true",
            help="CI smoke run: 10,000 cases, 3 history rows each, fewer repeats",
        )
        parser.add_argument("--json", default="", help="write every figure to this JSON file")
        parser.add_argument("--repeat", type=int, default=None, help="requests per page figure")
        parser.add_argument(
            "--keep", action="store_true", help="keep the bench database (for profiling)"
        )
        parser.add_argument(
            "--reuse",
            default="",
            help="measure an existing bench database kept with --keep (file or database name)",
        )
        parser.add_argument(
            "--only",
            default="",
            help="comma-separated figure groups: pages,report,import,export,verify,overhead",
        )
        parser.add_argument(
            "--feature-timeout",
            type=int,
            default=600,
            help="stop the report, import, export or verify figure after this many seconds",
        )

    def handle(self, *args, **opts) -> None:
        n = opts["cases"] or (QUICK_CASES if opts["quick"] else DEFAULT_CASES)
        k = opts["history_per_case"] or (QUICK_HISTORY if opts["quick"] else DEFAULT_HISTORY)
        repeat = opts["repeat"] or (5 if opts["quick"] or n < 5000 else 20)
        only = {s.strip() for s in opts["only"].split(",") if s.strip()}
        # Debug cursors and template debugging cost time in every request; production runs
        # without them. (Query counts are captured with CaptureQueriesContext regardless.)
        settings.DEBUG = False
        media = tempfile.mkdtemp(prefix="tracker-bench-media-")
        settings.MEDIA_ROOT = media  # import batches store their file: not in the real media
        started = time.perf_counter()
        try:
            with BenchDatabase(keep=opts["keep"], reuse=opts["reuse"], out=self.note) as db:
                result = self.header(n, k, repeat, quick=opts["quick"])
                data = build_or_load(n, k, reuse=bool(opts["reuse"]), note=self.note)
                result["data"] = data.pop("_info")
                result["n_cases"] = data["n"]
                measure = Measurements(self.note, opts["feature_timeout"])
                result["figures"] = measure.all(data, repeat, only)
                result["targets"] = evaluate(result["figures"])
                result["seconds_total"] = round(time.perf_counter() - started, 1)
                result["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
                result["bench_database"] = db.name
        finally:
            shutil.rmtree(media, ignore_errors=True)
        print_table(result, self.stdout.write)
        if opts["json"]:
            with open(opts["json"], "w", encoding="utf-8") as fh:
                json.dump(result, fh, ensure_ascii=False, indent=2, default=str)
            self.note(f"wrote {opts['json']}")

    def header(self, n: int, k: int, repeat: int, *, quick: bool) -> dict[str, Any]:
        return {
            "database": {"vendor": connection.vendor, "version": db_version()},
            "machine": {
                "cpu_count": os.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
                "django": django.get_version(),
                "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            },
            "n_cases": n,
            "history_per_case": k,
            "repeat": repeat,
            "quick": bool(quick),
        }

    def note(self, msg: str) -> None:
        self.stdout.write(msg)
        self.stdout.flush()


__all__ = ["Command", "percentile"]  # percentile: loadtest's percentiles are computed alike
