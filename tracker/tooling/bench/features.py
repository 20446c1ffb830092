"""Feature figures: the monthly report, an import, the XLSX export, ``verify_chain`` and the
per-request cost of the input guard and the personal-information read log."""

from __future__ import annotations

import datetime
import gc
import io
import os
import statistics
import time
import tracemalloc
from typing import Any

from django.db import transaction

from tracker.tooling.bench.targets import EXPORT_ROWS, IMPORT_ROWS, IMPORT_ROWS_QUICK, QUICK_CASES

IMPORT_HEADER = ["序号", "中介服务事项名称", "涉及的审批事项项目名称", "审批部门", "设定依据"]
IMPORT_HEADER += ["中介服务实施机构", "服务时限", "收费标准", "处理决定", "完成时限"]
OVERHEAD_CALLS = 2000  # requests through the input guard
READ_LOG_CALLS = 200  # personal reads logged (rolled back afterwards)


def measure_verify() -> dict[str, Any]:
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


def measure_report(data: dict[str, Any]) -> dict[str, Any]:
    """The monthly report of the whole province for the last full month: figures + PDF."""
    from tracker.reports.figures import build_report_figures
    from tracker.reports.pdf import build_report_pdf

    province = data["admin"].jurisdiction
    month = (datetime.date.today().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)

    def run() -> tuple[float, float, int]:
        t = time.perf_counter()
        figures = build_report_figures(province, month)
        t_fig = time.perf_counter() - t
        size = len(build_report_pdf(figures))
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


def import_workbook(rows: int, departments: list[str]) -> bytes:
    """An intermediary-item list of ``rows`` new items (new names on every run, not skips)."""
    import openpyxl

    year = datetime.date.today().year
    token = f"{os.getpid()}{int(time.time()) % 100000}"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(IMPORT_HEADER)
    for i in range(rows):
        sheet.append(
            [
                i + 1,
                f"基准导入中介服务事项{token}-{i:05d}",
                f"基准审批事项{i % 300}",
                departments[i % len(departments)],
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
    return buf.getvalue()


def measure_import(data: dict[str, Any]) -> dict[str, Any]:
    """Commit an intermediary-item spreadsheet into a county, with history and chain."""
    from tracker.imports.services import import_file
    from tracker.models import Case, Department, User

    n = data["n"]
    rows = IMPORT_ROWS if n > QUICK_CASES else IMPORT_ROWS_QUICK if n >= QUICK_CASES else 100
    county = data["county_user"].jurisdiction
    depts = Department.objects.filter(jurisdiction=county).values_list("name", flat=True)
    content = import_workbook(rows, list(depts[:20]))
    before = Case.objects.count()
    editor = User.objects.get(pk=data["county_user"].pk)  # a county editor, own county
    t = time.perf_counter()
    report = import_file(
        content,
        kind="item",
        jurisdiction=county,
        user=editor,
        commit=True,
        file_name="基准导入.xlsx",
    )
    seconds = time.perf_counter() - t
    result = {
        "available": True,
        "rows": rows,
        "created": Case.objects.count() - before,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds) if seconds else None,
        "committed": bool(getattr(report, "committed", False)),
    }
    if not result["committed"]:
        result["errors"] = [e.get("message") for e in report.errors[:5]]
    return result


def measure_export(data: dict[str, Any]) -> dict[str, Any]:
    """10,000 rows of the case list as XLSX, through the export path of the list views
    (``tracker.imports.exports``: the CaseTable's values, neutralised, written by openpyxl)."""
    from tracker.cases import selectors
    from tracker.cases.tables import CaseTable
    from tracker.imports import exports

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


def _per_call_us(fn, arguments: list) -> float:
    """Median over five rounds of the mean cost of one call, in microseconds."""
    rounds = []
    chunk = max(1, len(arguments) // 5)
    for start in range(0, chunk * 5, chunk):
        t = time.perf_counter()
        for argument in arguments[start : start + chunk]:
            fn(argument)
        rounds.append((time.perf_counter() - t) * 1e6 / chunk)
    return round(statistics.median(rounds), 1)


def guard_requests(data: dict[str, Any]) -> dict[str, list]:
    """Fresh requests as pages send them: a filtered list's query string, and an edit form's
    POST (twelve fields of Chinese text, as a case edit sends)."""
    from django.test import RequestFactory
    from django.urls import reverse

    factory = RequestFactory()
    list_url = reverse("tracker:case_list")
    query = {"kind": "item", "status": "in_progress", "q": "测试市 中介服务", "page": "3"}
    edit_url = reverse("tracker:case_edit", args=[data["typical"].reference])
    form = {f"field_{i}": "中介服务事项名称与设定依据说明" * 8 for i in range(12)}
    form["version"] = "3"
    n = OVERHEAD_CALLS
    forms = [factory.post(edit_url, form) for _ in range(n)]
    for request in forms:
        # The view parses the body anyway (Django caches it on the request): what the guard
        # adds is its scan of the parsed fields, not the parse.
        request.POST  # noqa: B018
    return {"query": [factory.get(list_url, query) for _ in range(n)], "form": forms}


def measure_overhead(data: dict[str, Any]) -> dict[str, Any]:
    """What the input guard and the personal read log add to one request (target ≤ 1 ms)."""
    from django.test import RequestFactory
    from django.urls import resolve, reverse

    from tracker.cases.registry import kinds
    from tracker.cases.scoping import log_personal_read
    from tracker.models import Case
    from tracker.web.middleware import control_character_problem

    requests = guard_requests(data)
    result: dict[str, Any] = {"available": True}
    for which, batch in requests.items():
        result[f"guard_{which}_us"] = _per_call_us(control_character_problem, batch)
    personal = [k.key for k in kinds() if k.personal]
    case = Case.objects.filter(kind__in=personal).order_by("id").first()
    if case is not None:
        url = reverse("tracker:case_detail", args=[case.reference])
        reads = []
        for _ in range(READ_LOG_CALLS):
            request = RequestFactory().get(url)
            request.user, request.resolver_match = data["admin"], resolve(url)
            reads.append(request)
        with transaction.atomic():
            result["read_log_us"] = _per_call_us(lambda r: log_personal_read(r, case), reads)
            transaction.set_rollback(True)  # the bench rows do not stay in the access log
    return result
