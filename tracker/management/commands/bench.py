"""``manage.py bench``: province-scale benchmarks in a database of their own.

Builds a synthetic province (``tracker.tooling.benchdata``) in a temporary SQLite file, or on
PostgreSQL in a database ``bench_<pid>`` that it creates and drops, and never touches the
configured application data. Then it measures the pages through Django's test client (median
and 95th percentile of repeated requests, and the SQL query count of one more) and, where
those features exist, the monthly report, import, ``verify_chain`` and the XLSX export.

    python manage.py bench                    # 100,000 cases, ~10 history rows each
    python manage.py bench --quick            # 10,000 cases x 3 history rows: the CI smoke run
    python manage.py bench --cases 300 --json /tmp/bench.json

No time is asserted: the command prints each figure beside its target (DESIGN.md §6).
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import importlib
import inspect
import io
import json
import os
import platform
import shutil
import signal
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import django
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

DEFAULT_CASES = 100_000
QUICK_CASES = 10_000
DEFAULT_HISTORY = 10
QUICK_HISTORY = 3
PER_PAGE = 25
DEEP_PAGE = 1000
IMPORT_ROWS = 10000  # the issue: a 10,000-row XLSX in <= 10 s
IMPORT_ROWS_QUICK = 2000
EXPORT_ROWS = 10_000

# figure key -> (target p50 in ms, target query count); None where there is no target.
PAGE_TARGETS: dict[str, tuple[float | None, int | None]] = {
    "list_page1": (80, 10),
    "list_filtered": (80, 10),
    "list_deep": (80, 10),
    "list_page1_county": (80, 10),
    "list_filtered_county": (80, 10),
    "admin_page1": (None, None),
    "admin_filtered": (None, None),
    "admin_deep": (None, None),
    "detail_200": (150, None),
    "timeline_200": (150, None),
    "timeline_500": (150, None),
    "detail_typical": (150, None),
    "dashboard": (150, None),
    "dashboard_county": (150, None),
}


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


class BenchDatabase:
    """Point the default connection at a database of the benchmark's own, then put it back."""

    def __init__(self, *, keep: bool = False, reuse: str = "", out: Callable[[str], None]):
        self.keep = keep
        self.reuse = reuse
        self.out = out
        self.conn_settings = connections["default"].settings_dict
        self.original_name = self.conn_settings["NAME"]
        self.vendor = connections["default"].vendor
        self.name = ""
        self.tmpdir = ""

    def __enter__(self) -> BenchDatabase:
        if self.vendor == "sqlite":
            if self.reuse:
                self.name = self.reuse
            else:
                self.tmpdir = tempfile.mkdtemp(prefix="tracker-bench-")
                self.name = os.path.join(self.tmpdir, "bench.sqlite3")
            self._switch(self.name)
        elif self.vendor == "postgresql":
            self.name = self.reuse or f"bench_{os.getpid()}"
            if not self.reuse:
                with connection.cursor() as cursor:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}"')
                    cursor.execute(f'CREATE DATABASE "{self.name}"')
            self._switch(self.name)
        else:
            raise CommandError(f"bench supports SQLite and PostgreSQL, not {self.vendor}")
        self.out(f"bench database: {self.name} ({self.vendor})")
        # A reused database gets any migration added since it was built (new indexes too).
        try:
            call_command("migrate", verbosity=0, interactive=False)
        except BaseException:
            self.__exit__(None, None, None)  # a half-made bench database is not left behind
            raise
        return self

    def _switch(self, name: str) -> None:
        connections.close_all()
        self.conn_settings["NAME"] = name
        settings.DATABASES["default"]["NAME"] = name

    def __exit__(self, *exc) -> None:
        self._switch(self.original_name)
        if self.keep or self.reuse:
            self.out(f"kept the bench database: {self.name}")
            return
        if self.vendor == "sqlite":
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        else:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            connections.close_all()


def db_version() -> str:
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def analyze() -> None:
    """Planner statistics and, on PostgreSQL, the visibility map, as a running installation
    has them: PostgreSQL's autovacuum vacuums and analyses a table after a bulk load (the
    insert threshold, PostgreSQL 13 and later), which lets counts use index-only scans; on
    SQLite `PRAGMA optimize` after large imports does the analysing (docs/performance.md)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


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
            help="comma-separated figure groups: pages,report,import,export,verify",
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
        self.feature_timeout = opts["feature_timeout"]
        # Debug cursors and template debugging cost time in every request; production runs
        # without them. (Query counts are captured with CaptureQueriesContext regardless.)
        settings.DEBUG = False
        media = tempfile.mkdtemp(prefix="tracker-bench-media-")
        settings.MEDIA_ROOT = media  # import batches store their file: not in the real media
        started = time.perf_counter()
        try:
            with BenchDatabase(keep=opts["keep"], reuse=opts["reuse"], out=self.note) as db:
                result: dict[str, Any] = {
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
                    "quick": bool(opts["quick"]),
                }
                data = self.build_or_load(n, k, reuse=bool(opts["reuse"]))
                result["data"] = data.pop("_info")
                result["n_cases"] = data["n"]
                result["figures"] = self.measure_all(data, repeat, only, quick=opts["quick"])
                result["targets"] = self.evaluate(result["figures"])
                result["seconds_total"] = round(time.perf_counter() - started, 1)
                result["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
                result["bench_database"] = db.name
        finally:
            shutil.rmtree(media, ignore_errors=True)
        self.print_table(result)
        if opts["json"]:
            with open(opts["json"], "w", encoding="utf-8") as fh:
                json.dump(result, fh, ensure_ascii=False, indent=2, default=str)
            self.note(f"wrote {opts['json']}")

    def note(self, msg: str) -> None:
        self.stdout.write(msg)
        self.stdout.flush()

    # --- data ----------------------------------------------------------------------------

    def build_or_load(self, n: int, k: int, *, reuse: bool) -> dict[str, Any]:
        from tracker.models import Case, Jurisdiction, User

        if not reuse:
            from tracker.tooling.benchdata import build

            self.note(f"building {n:,} cases with {k} history rows each …")
            built = build(n, k, progress=self.note)
            t = time.perf_counter()
            analyze()
            t_analyze = time.perf_counter() - t
            # The red-flag rows, computed from scratch as on the first dashboard view after
            # an upgrade (afterwards each view only reads the links added since the last).
            from tracker.redflags.rules import sync

            t = time.perf_counter()
            sync(rebuild=True)
            t_flags = time.perf_counter() - t
            self.note(
                f"built in {built.seconds:.1f} s ({built.history_rows:,} history rows); "
                f"ANALYZE {t_analyze:.1f} s; red-flag rows rebuilt in {t_flags:.1f} s"
            )
            info = {
                "build_seconds": round(built.seconds, 1),
                "redflag_rebuild_seconds": round(t_flags, 2),
                **built.counts,
            }
        else:
            info = {"reused": True, "cases": Case.objects.count()}
            n = info["cases"]
        admin = User.objects.get(username="bench-province-admin")
        county_user = (
            User.objects.filter(username__startswith="bench-staff-")
            .select_related("jurisdiction")
            .order_by("username")
            .first()
        )
        city = Jurisdiction.objects.filter(level="city").order_by("code").first()
        big = Case.objects.filter(title__endswith="（时间线基准）").order_by("-id").first()
        big500 = Case.objects.filter(title__endswith="（时间线基准500）").order_by("-id").first()
        typical = Case.objects.filter(kind="fee", status="in_progress").order_by("id").first()
        return {
            "_info": info,
            "admin": admin,
            "county_user": county_user,
            "city": city,
            "big": big,
            "big500": big500,
            "typical": typical,
            "n": n,
        }

    # --- measuring -----------------------------------------------------------------------

    def pages(
        self, targets: list[tuple[Client, str]], repeat: int, warmup: int = 2
    ) -> list[dict[str, Any]]:
        """Measure one or more pages with their requests interleaved (a, b, a, b, …): pages
        compared with each other (the list and the admin changelist) see the same machine."""

        def get(client: Client, url: str):
            response = client.get(url)
            if response.status_code != 200:
                raise CommandError(f"GET {url} returned {response.status_code}")
            return response

        for _ in range(warmup):
            for client, url in targets:
                get(client, url)
        times: list[list[float]] = [[] for _ in targets]
        cpu: list[list[float]] = [[] for _ in targets]
        for _ in range(repeat):
            for n, (client, url) in enumerate(targets):
                t, c = time.perf_counter(), time.process_time()
                get(client, url)
                times[n].append((time.perf_counter() - t) * 1000)
                cpu[n].append((time.process_time() - c) * 1000)
        results = []
        for n, (client, url) in enumerate(targets):
            with CaptureQueriesContext(connection) as ctx:
                response = get(client, url)
            results.append(
                {
                    "url": url,
                    "p50_ms": round(statistics.median(times[n]), 1),
                    "p95_ms": round(percentile(times[n], 95), 1),
                    "min_ms": round(min(times[n]), 1),
                    # CPU time of this process: the whole server on SQLite, without the
                    # database server's share on PostgreSQL. Less sensitive to other load.
                    "cpu_p50_ms": round(statistics.median(cpu[n]), 1),
                    "queries": len(ctx.captured_queries),
                    "bytes": len(response.content),
                    "repeat": repeat,
                }
            )
        return results

    def measure_all(
        self, data: dict[str, Any], repeat: int, only: set[str], *, quick: bool
    ) -> dict[str, Any]:
        figures: dict[str, Any] = {}

        def want(group: str) -> bool:
            return not only or group in only

        if want("pages"):
            figures.update(self.measure_pages(data, repeat))
        if want("report"):
            figures["report"] = self.optional(
                "monthly report", lambda: self.measure_report(data, quick=quick)
            )
        if want("import"):
            figures["import"] = self.optional("import", lambda: self.measure_import(data))
        if want("export"):
            figures["export"] = self.optional("XLSX export", lambda: self.measure_export(data))
        if want("verify"):
            figures["verify_audit"] = self.optional("verify_audit", self.measure_verify)
        return figures

    def optional(self, label: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        self.note(f"measuring {label} …")
        try:
            with time_limit(self.feature_timeout):
                return fn()
        except FeatureTimeout:
            self.note(f"  {label}: stopped after {self.feature_timeout} s")
            return {"available": True, "timed_out": True, "seconds": f"> {self.feature_timeout}"}
        except FeatureMissing as exc:
            self.note(f"  {label}: not available ({exc})")
            return {"available": False, "reason": str(exc)}
        except Exception as exc:  # a failing feature is reported, not fatal to the run
            self.note(f"  {label}: ERROR {type(exc).__name__}: {exc}")
            return {"available": True, "error": f"{type(exc).__name__}: {exc}"}

    def measure_pages(self, data: dict[str, Any], repeat: int) -> dict[str, Any]:
        from django.contrib import admin as django_admin

        from tracker.models import Case

        admin_user, county_user = data["admin"], data["county_user"]
        admin_client = Client()
        admin_client.force_login(admin_user)
        county_client = Client()
        county_client.force_login(county_user)
        # Compare like with like: the admin changelist at the list's page size.
        case_admin = django_admin.site._registry[Case]
        saved_per_page = case_admin.list_per_page
        case_admin.list_per_page = PER_PAGE
        n_total = Case.objects.count()
        deep = max(1, min(DEEP_PAGE, -(-n_total // PER_PAGE)))
        city, county = data["city"], county_user.jurisdiction
        cases_url = reverse("tracker:case_list")
        admin_url = reverse("admin:tracker_case_changelist")
        filt = "kind=item&status=in_progress"
        plan = [
            ("list_page1", admin_client, cases_url),
            ("list_filtered", admin_client, f"{cases_url}?{filt}&jurisdiction={city.pk}"),
            ("list_deep", admin_client, f"{cases_url}?page={deep}"),
            ("admin_page1", admin_client, admin_url),
            (
                "admin_filtered",
                admin_client,
                f"{admin_url}?kind__exact=item&status__exact=in_progress",
            ),
            ("admin_deep", admin_client, f"{admin_url}?p={deep}"),
            ("list_page1_county", county_client, cases_url),
            ("list_filtered_county", county_client, f"{cases_url}?{filt}&jurisdiction={county.pk}"),
            (
                "detail_200",
                admin_client,
                reverse("tracker:case_detail", args=[data["big"].reference]),
            ),
            (
                "timeline_200",
                admin_client,
                reverse("tracker:case_history", args=[data["big"].reference]),
            ),
            ("dashboard", admin_client, reverse("tracker:dashboard")),
            ("dashboard_county", county_client, reverse("tracker:dashboard")),
        ]
        if data.get("big500") is not None:  # issue 3: a timeline of 500 events, page 1
            plan.append(
                (
                    "timeline_500",
                    admin_client,
                    reverse("tracker:case_history", args=[data["big500"].reference]),
                )
            )
        if data["typical"] is not None:
            plan.append(
                (
                    "detail_typical",
                    admin_client,
                    reverse("tracker:case_detail", args=[data["typical"].reference]),
                )
            )
        figures: dict[str, Any] = {"deep_page": deep}
        try:
            by_key = {key: (client, url) for key, client, url in plan}
            groups = [["list_page1", "admin_page1"], ["list_filtered", "admin_filtered"]]
            groups += [["list_deep", "admin_deep"]]
            grouped = {k for g in groups for k in g}
            groups += [[key] for key, _c, _u in plan if key not in grouped]
            for group in groups:
                for key, f in zip(
                    group, self.pages([by_key[k] for k in group], repeat), strict=True
                ):
                    figures[key] = f
                    self.note(
                        f"  {key:<22} p50 {f['p50_ms']:>7.1f} ms  p95 {f['p95_ms']:>7.1f} ms  "
                        f"cpu {f['cpu_p50_ms']:>6.1f} ms  {f['queries']:>3} queries"
                    )
        finally:
            case_admin.list_per_page = saved_per_page
        for which in ("page1", "filtered", "deep"):
            ours, theirs = figures[f"list_{which}"], figures[f"admin_{which}"]
            figures[f"ratio_{which}"] = round(ours["p50_ms"] / theirs["p50_ms"], 2)
            if theirs["cpu_p50_ms"]:
                figures[f"ratio_cpu_{which}"] = round(ours["cpu_p50_ms"] / theirs["cpu_p50_ms"], 2)
        return figures

    def measure_verify(self) -> dict[str, Any]:
        from tracker.audit.chain import verify_chain

        t = time.perf_counter()
        result = verify_chain()
        seconds = time.perf_counter() - t
        return {
            "available": True,
            "ok": result.ok,
            "message": result.message,
            "rows": result.rows,
            "seconds": round(seconds, 2),
            "rows_per_s": round(result.rows / seconds) if seconds else None,
        }

    def measure_report(self, data: dict[str, Any], *, quick: bool) -> dict[str, Any]:
        """The monthly report of the whole province for the last full month: figures + PDF."""
        reports = _import("tracker.reports.figures", "build_report_figures")
        try:
            from tracker.reports.pdf import build_report_pdf
        except ImportError:
            build_report_pdf = None
        province = data["admin"].jurisdiction
        month = (datetime.date.today().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)

        def run() -> tuple[float, float, int]:
            t = time.perf_counter()
            figures = reports.build_report_figures(province, month)
            t_fig = time.perf_counter() - t
            size = len(build_report_pdf(figures)) if build_report_pdf is not None else 0
            return t_fig, time.perf_counter() - t, size

        t_fig, seconds, size = run()
        # Peak memory in a second run under tracemalloc (slower, so timed separately).
        gc.collect()
        tracemalloc.start()
        run()
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {
            "available": True,
            "seconds": round(seconds, 2),
            "figures_seconds": round(t_fig, 2),
            "pdf_seconds": round(seconds - t_fig, 2),
            "peak_mb": round(peak / 1048576, 1),
            "pdf_bytes": size,
            "month": f"{month:%Y-%m}",
        }

    def measure_import(self, data: dict[str, Any]) -> dict[str, Any]:
        """Commit an intermediary-item spreadsheet into a county, with history and chain."""
        mod = _import("tracker.imports.services", "import_file")
        import openpyxl

        from tracker.models import Case, Department, User

        n = data["n"]
        rows = IMPORT_ROWS if n > QUICK_CASES else IMPORT_ROWS_QUICK if n >= QUICK_CASES else 100
        user = data["county_user"]
        county = user.jurisdiction
        depts = list(
            Department.objects.filter(jurisdiction=county).values_list("name", flat=True)[:20]
        )
        header = [
            "序号",
            "中介服务事项名称",
            "涉及的审批事项项目名称",
            "审批部门",
            "设定依据",
            "中介服务实施机构",
            "服务时限",
            "收费标准",
            "处理决定",
            "完成时限",
        ]
        year = datetime.date.today().year
        token = f"{os.getpid()}{int(time.time()) % 100000}"  # new rows on every run, not skips
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(header)
        for i in range(rows):
            sheet.append(
                [
                    i + 1,
                    f"基准导入中介服务事项{token}-{i:05d}",
                    f"基准审批事项{i % 300}",
                    depts[i % len(depts)],
                    "《基准省中介服务管理办法》",
                    "基准技术服务中心",
                    "30个工作日",
                    "市场调节",
                    "保留",
                    f"{year}-12-31",
                ]
            )
        buf = io.BytesIO()
        book.save(buf)
        before = Case.objects.count()
        # A county editor imports into their own county.
        editor = User.objects.get(pk=user.pk)
        t = time.perf_counter()
        report = mod.import_file(
            buf.getvalue(),
            kind="item",
            jurisdiction=county,
            user=editor,
            commit=True,
            file_name="基准导入.xlsx",
        )
        seconds = time.perf_counter() - t
        created = Case.objects.count() - before
        result = {
            "available": True,
            "rows": rows,
            "created": created,
            "seconds": round(seconds, 2),
            "rows_per_s": round(rows / seconds) if seconds else None,
            "committed": bool(getattr(report, "committed", False)),
        }
        if not result["committed"]:
            result["errors"] = [e.get("message") for e in report.errors[:5]]
        return result

    def measure_export(self, data: dict[str, Any]) -> dict[str, Any]:
        """10,000 rows of the case list as XLSX, through the export path of the list views
        (``tracker.imports.exports``: the CaseTable's values, neutralised, written by openpyxl)."""
        exports = _import("tracker.imports.exports", "xlsx_bytes")
        if not hasattr(exports, "table_rows"):
            raise FeatureMissing("tracker.imports.exports.table_rows not found")
        from tracker.cases import selectors
        from tracker.cases.tables import CaseTable

        qs = selectors.case_list(data["admin"])
        ids = list(qs.order_by("-id").values_list("id", flat=True)[EXPORT_ROWS - 1 : EXPORT_ROWS])
        if ids:
            qs = qs.filter(id__gte=ids[0])
        t = time.perf_counter()
        rows = exports.table_rows(CaseTable(qs))
        t_rows = time.perf_counter() - t
        content = exports.xlsx_bytes(rows, title="case_list")
        seconds = time.perf_counter() - t
        return {
            "available": True,
            "rows": len(rows) - 1,
            "seconds": round(seconds, 2),
            "table_seconds": round(t_rows, 2),
            "xlsx_seconds": round(seconds - t_rows, 2),
            "bytes": len(content),
        }

    # --- reporting -----------------------------------------------------------------------

    def evaluate(self, figures: dict[str, Any]) -> dict[str, Any]:
        checks: dict[str, Any] = {}
        for key, (ms, queries) in PAGE_TARGETS.items():
            f = figures.get(key)
            if not f:
                continue
            if ms is not None:
                checks[f"{key}.p50_ms"] = {
                    "value": f["p50_ms"],
                    "target": f"<= {ms}",
                    "ok": f["p50_ms"] <= ms,
                }
            if queries is not None:
                checks[f"{key}.queries"] = {
                    "value": f["queries"],
                    "target": f"<= {queries}",
                    "ok": f["queries"] <= queries,
                }
        for which in ("page1", "filtered", "deep"):
            r = figures.get(f"ratio_{which}")
            if r is not None:
                checks[f"ratio_{which}"] = {"value": r, "target": "<= 1.0", "ok": r <= 1.0}
        rep = figures.get("report") or {}
        if "seconds" in rep:
            checks["report.seconds"] = {
                "value": rep["seconds"],
                "target": "<= 10",
                "ok": rep["seconds"] <= 10,
            }
            checks["report.peak_mb"] = {
                "value": rep["peak_mb"],
                "target": "<= 500",
                "ok": rep["peak_mb"] <= 500,
            }
        imp = figures.get("import") or {}
        if "rows_per_s" in imp:
            checks["import.rows_per_s"] = {
                "value": imp["rows_per_s"],
                "target": ">= 1000",
                "ok": (imp["rows_per_s"] or 0) >= 1000,
            }
        ver = figures.get("verify_audit") or {}
        if "rows_per_s" in ver:
            checks["verify_audit.rows_per_s"] = {
                "value": ver["rows_per_s"],
                "target": ">= 50000",
                "ok": (ver["rows_per_s"] or 0) >= 50000,
            }
        return checks

    def print_table(self, result: dict[str, Any]) -> None:
        db = result["database"]
        w = self.stdout.write
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


# --- optional features (written by other issues; measured when they exist) -----------------


class FeatureMissing(Exception):
    pass


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


def _import(module: str, attr: str):
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise FeatureMissing(f"{module} not found") from exc
    if not hasattr(mod, attr):
        raise FeatureMissing(f"{module}.{attr} not found")
    return mod


def _import_any(module: str):
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise FeatureMissing(f"{module} not found") from exc


def _first_callable(mod, names: tuple[str, ...]):
    for name in names:
        fn = getattr(mod, name, None)
        if callable(fn):
            return fn
    return None


def _call(fn: Callable, **available):
    """Call fn with the keyword arguments it accepts among those available."""
    params = inspect.signature(fn).parameters
    kwargs = {k: v for k, v in available.items() if k in params}
    return fn(**kwargs)


def _size_of(obj) -> int:
    if isinstance(obj, (bytes, bytearray)):
        return len(obj)
    if isinstance(obj, io.BytesIO):
        return len(obj.getvalue())
    content = getattr(obj, "content", None)  # an HttpResponse
    if isinstance(content, bytes):
        return len(content)
    return 0


__all__ = ["BenchDatabase", "Command", "percentile"]
