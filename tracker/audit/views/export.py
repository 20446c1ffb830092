"""The audit log export: the filtered audit log as streamed CSV or as XLSX, recorded in the
access log."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from tracker.audit import services as inspection_services
from tracker.audit import timeline
from tracker.audit.selectors import AUDITORS
from tracker.audit.views.common import _bound_filters, _invalid_filters_message
from tracker.cases.registry import get_kind
from tracker.cases.scoping import role_required
from tracker.imports.exports import neutralise
from tracker.models import AccessLog

EXPORT_MAX_ROWS = 100_000
EXPORT_FORMATS = ("csv", "xlsx")


EXPORT_HEADER = [
    gettext_lazy("记录时间"),
    gettext_lazy("操作人"),
    gettext_lazy("操作"),
    gettext_lazy("对象"),
    gettext_lazy("事项编号"),
    gettext_lazy("事项名称"),
    gettext_lazy("类别"),
    gettext_lazy("行政区划"),
    gettext_lazy("责任部门"),
    gettext_lazy("原因"),
    gettext_lazy("生效日期"),
    gettext_lazy("变更内容"),
    gettext_lazy("来源"),
    gettext_lazy("历史记录号"),
]


def _cell(value) -> str:
    """Text for a spreadsheet cell, neutralised against formula injection."""
    return neutralise("" if value is None else str(value))


def _export_row(e: timeline.TimelineEntry) -> list[str]:
    case = e.case
    return [
        _cell(v)
        for v in (
            timezone.localtime(e.when).strftime("%Y-%m-%d %H:%M:%S"),
            e.user or "",
            e.action_label,
            e.object_label,
            case.reference if case else "",
            case.title if case else "",
            get_kind(case.kind).label if case else "",
            case.jurisdiction if case else "",
            (case.department or "") if case else "",
            e.reason,
            e.effective_date.isoformat() if e.effective_date else "",
            e.changes_text(),
            e.source,
            e.history_id,
        )
    ]


def _csv_stream(header: list[str], rows: Iterator[timeline.TimelineEntry]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return value

    writer.writerow(header)
    yield "\ufeff" + flush()  # BOM: spreadsheet programs then read the Chinese correctly
    for n, entry in enumerate(rows, start=1):
        writer.writerow(_export_row(entry))
        if n % 500 == 0:
            yield flush()
    yield flush()


def _xlsx_bytes(rows: Iterator[timeline.TimelineEntry]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("审计日志"))
    sheet.append([str(h) for h in EXPORT_HEADER])
    for entry in rows:
        sheet.append(_export_row(entry))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@login_required
@role_required(*AUDITORS)
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    back = (
        reverse("audit:log")
        + "?"
        + urlencode([(k, v) for k, v in request.GET.items() if k not in ("format", "page")])
    )
    fmt = request.GET.get("format", "csv")
    if fmt not in EXPORT_FORMATS:
        messages.error(
            request, _("不支持的导出格式“%(f)s”，请选择 CSV 或 XLSX。") % {"f": fmt[:10]}
        )
        return redirect(back)
    form, valid = _bound_filters(request)
    if not valid:  # never export more than the user asked for
        _invalid_filters_message(request, form)
        messages.error(request, _("筛选条件有误，未导出。"))
        return redirect(back)
    try:
        count, rows = timeline.audit_rows(request.user, form.filters(), limit=EXPORT_MAX_ROWS)
    except timeline.TimelineError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    query = request.GET.copy()
    query.pop("format", None)
    inspection_services.access_log_record(
        user=request.user,
        action=AccessLog.Action.EXPORT,
        target="audit_log",
        query=query.urlencode(),
        file_format=fmt,
        row_count=count,
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        header = [str(h) for h in EXPORT_HEADER]  # translated now, not when streamed
        response = StreamingHttpResponse(
            _csv_stream(header, rows), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            _xlsx_bytes(rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.{fmt}"'
    return response
