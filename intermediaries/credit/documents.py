"""Downloads of the public disclosure: XLSX and PDF of the same rows the page shows (built from
selector rows; nothing here queries), and the joint-punishment export."""

from __future__ import annotations

import datetime
import io
import json

from tracker.imports.exports import xlsx_bytes

FIRM_HEADERS = ["序号", "机构名称", "统一社会信用代码", "所在地区", "信用等级", "名单状态"]
ENTRY_HEADERS = [
    "机构名称",
    "统一社会信用代码",
    "名单",
    "列入决定文号",
    "列入日期",
    "修复期满",
    "移出日期",
    "移出决定文号",
]
JOINT_HEADERS = [
    "统一社会信用代码 credit_code",
    "机构名称 name",
    "区划代码 jurisdiction_code",
    "名单 list",
    "列入决定文号 decision_no",
    "列入日期 decision_date",
    "修复期满 repair_until",
    "移出日期 exited_on",
    "移出决定文号 exit_decision_no",
]


def firm_table(rows) -> list[list]:
    return [
        [n, r.name, r.credit_code, r.jurisdiction, r.band or "—", "、".join(r.lists) or "—"]
        for n, r in enumerate(rows, start=1)
    ]


def entry_table(entries) -> list[list]:
    return [
        [
            e.firm.name,
            e.firm.credit_code or "",
            e.get_list_type_display(),
            e.decision_no,
            e.decision_date.isoformat(),
            e.repair_until.isoformat(),
            e.exited_on.isoformat() if e.exited_on else "",
            e.exit_decision_no,
        ]
        for e in entries
    ]


def _edition_rows(title: str, place: str, edition: datetime.date) -> list[list]:
    return [[title], [f"地区：{place}", f"版本日期：{edition.isoformat()}"], []]


def firms_xlsx(rows, *, place: str, edition: datetime.date) -> bytes:
    return xlsx_bytes(
        [
            *_edition_rows("中介机构信用等级和名单状态", place, edition),
            FIRM_HEADERS,
            *firm_table(rows),
        ],
        title="信用公示",
    )


def entries_xlsx(entries, *, place: str, edition: datetime.date) -> bytes:
    return xlsx_bytes(
        [
            *_edition_rows("经营异常名录和黑名单", place, edition),
            ENTRY_HEADERS,
            *entry_table(entries),
        ],
        title="名单",
    )


def _pdf(title: str, place: str, edition: datetime.date, headers, body, widths) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from tracker.reports.fonts import register_font

    font = register_font()
    cell = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10, wordWrap="CJK")
    heading = ParagraphStyle("h", fontName=font, fontSize=15, leading=20, alignment=1)
    sub = ParagraphStyle("s", fontName=font, fontSize=9, leading=12, alignment=1)
    data = [[Paragraph(str(h), cell) for h in headers]] + [
        [Paragraph(str(v), cell) for v in row] for row in body
    ]
    table = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=landscape(A4), title=title, leftMargin=12 * mm, rightMargin=12 * mm
    )
    doc.build(
        [
            Paragraph(title, heading),
            Paragraph(f"{place} · 版本日期 {edition.isoformat()}", sub),
            Spacer(1, 6 * mm),
            table,
        ]
    )
    return buf.getvalue()


def firms_pdf(rows, *, place: str, edition: datetime.date) -> bytes:
    return _pdf(
        "中介机构信用等级和名单状态",
        place,
        edition,
        FIRM_HEADERS,
        firm_table(rows),
        (12, 80, 45, 40, 20, 70),
    )


def entries_pdf(entries, *, place: str, edition: datetime.date) -> bytes:
    return _pdf(
        "经营异常名录和黑名单",
        place,
        edition,
        ENTRY_HEADERS,
        entry_table(entries),
        (60, 40, 25, 40, 22, 22, 22, 40),
    )


def joint_xlsx(rows: list[dict], *, edition: datetime.date) -> bytes:
    from intermediaries.credit.selectors import JOINT_FIELDS

    return xlsx_bytes(
        [
            ["联合惩戒名单（黑名单）", f"版本日期：{edition.isoformat()}"],
            JOINT_HEADERS,
            *([r[f] or "" for f in JOINT_FIELDS] for r in rows),
        ],
        title="联合惩戒名单",
    )


def joint_json(rows: list[dict], *, edition: datetime.date) -> bytes:
    from intermediaries.credit.selectors import JOINT_FIELDS

    payload = {
        "format": "tracker.credit.joint-punishment/1",
        "edition_date": edition.isoformat(),
        "fields": list(JOINT_FIELDS),
        "entries": rows,
    }
    return json.dumps(payload, ensure_ascii=False, indent=1).encode()
