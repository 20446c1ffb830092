"""CSV and XLSX export of any django-tables2 table (the current filter, every page), with
Chinese headers, cells neutralised against formula injection, and every export logged.

A list view exports with one line::

    if (response := exports.maybe_export(request, table, name="case_list")) is not None:
        return response
"""

from __future__ import annotations

import csv
import datetime
import decimal
import html
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from tracker.models import AccessLog

EXPORT_PARAM = "_export"
FORMATS = ("csv", "xlsx")
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def plain(value: Any) -> Any:
    """A table cell as a plain value: no HTML, dates as ISO text, lazy strings resolved."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, (int, float, decimal.Decimal)):
        return value
    if isinstance(value, (datetime.datetime, datetime.date)):
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            value = timezone.localtime(value)
        return (
            value.isoformat(sep=" ") if isinstance(value, datetime.datetime) else value.isoformat()
        )
    text = str(value)
    if "<" in text or "&" in text:
        text = html.unescape(strip_tags(text)).strip()  # rendered HTML: the text inside
    return text


def table_rows(table) -> list[list[Any]]:
    """Header row then data rows of every record the table holds (pagination ignored)."""
    with translation.override("zh-hans"):
        rows = [[plain(cell) for cell in row] for row in table.as_values()]
    return rows


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a BOM so that Chinese Excel opens it correctly; cells neutralised."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralise(plain(cell)) for cell in row])
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def xlsx_bytes(rows: Iterable[Sequence[Any]], *, title: str = "Sheet1") -> bytes:
    """One sheet, bold header row, text cells neutralised and stored as text (never formulas)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Sheet1")
    bold = Font(bold=True)
    for index, row in enumerate(rows):
        cells = []
        for value in row:
            value = neutralise(plain(value))
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # a leading "=" never becomes a formula
            if index == 0:
                cell.font = bold
            cells.append(cell)
        sheet.append(cells)
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()


def file_response(content: bytes, *, file_format: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{file_format}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def log_export(
    request: HttpRequest, *, target: str, file_format: str, row_count: int, reference: str = ""
) -> AccessLog:
    """Every export is recorded: who, which list, the filter, how many rows, which format."""
    from tracker.audit.services import access_log_record

    query = request.GET.copy()
    query.pop(EXPORT_PARAM, None)
    return access_log_record(
        user=request.user,
        action=AccessLog.Action.EXPORT,
        target=target,
        reference=reference,
        query=query.urlencode(),
        file_format=file_format,
        row_count=row_count,
    )


def export_table(request: HttpRequest, table, *, name: str, file_format: str) -> HttpResponse:
    """The whole table (current filter and sort) as CSV or XLSX; the export is logged."""
    rows = table_rows(table)
    if file_format == "xlsx":
        content = xlsx_bytes(rows, title=name)
    else:
        file_format = "csv"
        content = csv_bytes(rows)
    log_export(request, target=name, file_format=file_format, row_count=len(rows) - 1)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return file_response(content, file_format=file_format, filename=f"{name}-{stamp}")


def requested_format(request: HttpRequest) -> str | None:
    value = request.GET.get(EXPORT_PARAM, "")
    return value if value in FORMATS else None


def maybe_export(request: HttpRequest, table, *, name: str) -> HttpResponse | None:
    """The export response when ``?_export=csv|xlsx`` is asked for, else None."""
    file_format = requested_format(request)
    if file_format is None:
        return None
    return export_table(request, table, name=name, file_format=file_format)
