"""Helpers shared by the import tests: spreadsheet files built in memory (no tests here)."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl

from tracker.cases.registry import get_kind
from tracker.imports import services as import_services

ITEM_HEADER = [
    "序号",
    "中介服务事项名称",
    "涉及的审批事项项目名称",
    "审批部门",
    "设定依据",
    "处理决定",
]


def xlsx_bytes(rows: list[list[Any]], *, title: str | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()


def csv_bytes(rows: list[list[Any]], *, encoding: str = "utf-8", bom: bool = False) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    data = buf.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def item_row(n: int, name: str, department: str, **extra: Any) -> list[Any]:
    return [
        n,
        name,
        extra.get("approval", "建设项目审批"),
        department,
        extra.get("basis", "国办发〔2015〕31号"),
        extra.get("disposition", "保留"),
    ]


def preview(data: bytes, user, jurisdiction, *, kind: str = "item", name: str = "清单.xlsx", **kw):
    return import_services.import_preview(
        data=data, file_name=name, kind=get_kind(kind), jurisdiction=jurisdiction, by=user, **kw
    )


def run_import(
    data: bytes, user, jurisdiction, *, kind: str = "item", name: str = "清单.xlsx", **kw
):
    return import_services.import_file(
        data, kind=kind, jurisdiction=jurisdiction, user=user, file_name=name, commit=True, **kw
    )
