"""Personal information in uploaded lists: never kept (DOMAIN.md §5, §8).

Citizen ID numbers and phone numbers are blanked and a birth date is reduced to its year,
in the copy of the upload that is kept (the original's SHA-256 is recorded on the batch);
``find_id_numbers`` (tracker.cases.validators) is the one ID-number detector.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from dataclasses import dataclass, field

from tracker.cases.validators import find_id_numbers
from tracker.imports.engine import (
    HEADER_SCAN_ROWS,
    RawTable,
    cell_text,
    decode_text,
    is_blank,
    normalize_header,
    strip_parenthetical,
)

ID_HEADERS = ("身份证号", "身份证号码", "公民身份号码", "身份证", "证件号码", "证件号", "idnumber")
PHONE_HEADERS = (
    "手机",
    "手机号",
    "手机号码",
    "电话",
    "联系电话",
    "电话号码",
    "联系方式",
    "办公电话",
    "移动电话",
    "phone",
    "mobile",
)
BIRTH_HEADERS = ("出生年月", "出生日期", "出生年月日", "生日", "出生时间", "birthdate")
MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
LONG_DIGITS = re.compile(r"\d{11}|\d{3}[- ]\d{4}[- ]\d{4}|\d{6}[ -]?\d{8}")
YEAR = re.compile(r"(19|20)\d{2}")
ID_MARK = "［已删除］"


def _kind_of(label: str) -> str:
    norm = strip_parenthetical(normalize_header(label))
    if norm in ID_HEADERS or "身份证" in norm:
        return "id"
    if norm in PHONE_HEADERS or norm.endswith(("电话", "手机", "手机号")):
        return "phone"
    if norm in BIRTH_HEADERS:
        return "birth"
    return ""


def personal_headers(labels: list[str]) -> list[str]:
    """The header texts that name a personal column (ID number, phone, birth date)."""
    return [label for label in labels if _kind_of(label)]


def birth_year(value) -> str:
    """A birth date reduced to its year: '1965年3月' -> '1965'; an Excel serial -> its year."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value <= 73051:
        import datetime

        if value >= 1900 and value <= 2100:
            return str(int(value))
        return str((datetime.date(1899, 12, 30) + datetime.timedelta(days=int(value))).year)
    match = YEAR.search(cell_text(value))
    return match.group(0) if match else ""


@dataclass
class Redaction:
    """What to take out of the kept copy: whole columns (by kind) and single cells."""

    columns: dict[int, str] = field(default_factory=dict)  # position -> "id" | "phone" | "birth"
    labels: list[str] = field(default_factory=list)  # header texts of those columns
    header_row: int = 0
    cells: set[tuple[int, int]] = field(default_factory=set)  # (row, position) with a number

    def __bool__(self) -> bool:
        return bool(self.columns or self.cells)

    def clean(self, row: int, pos: int, value):
        """The value as it is kept: blank, a year, the numbers taken out, or unchanged."""
        if is_blank(value) or row <= self.header_row:
            return value
        kind = self.columns.get(pos)
        if kind in ("id", "phone"):
            return None
        if kind == "birth":
            return birth_year(value) or None
        if (row, pos) in self.cells:
            return scrub(cell_text(value))
        return value


def scrub(text: str) -> str:
    """Take ID numbers and mobile numbers out of a text."""
    for number in find_id_numbers(text):
        text = text.replace(number, ID_MARK)
    text = MOBILE.sub(ID_MARK, text)
    if find_id_numbers(text):  # written with separators or full-width digits
        return ID_MARK
    return text


def holds_personal_number(value) -> bool:
    if is_blank(value) or isinstance(value, bool):
        return False
    if isinstance(value, float):
        value = f"{value:.0f}"
    text = str(value)
    if len(text) < 11:
        return False
    return bool(find_id_numbers(text) or MOBILE.search(text))


def scan(table: RawTable) -> Redaction:
    """Find the personal columns (by header) and the cells holding ID or mobile numbers."""
    redaction = Redaction()
    for number, cells in table.rows[:HEADER_SCAN_ROWS]:
        kinds = {pos: _kind_of(cell_text(v)) for pos, v in enumerate(cells) if not is_blank(v)}
        kinds = {pos: kind for pos, kind in kinds.items() if kind}
        if kinds:
            redaction.columns = kinds
            redaction.labels = [cell_text(cells[pos]) for pos in kinds]
            redaction.header_row = number
            break
    for number, cells in table.rows:
        for pos, value in enumerate(cells):
            if pos in redaction.columns and number > redaction.header_row:
                continue
            if holds_personal_number(value):
                redaction.cells.add((number, pos))
    return redaction


def redact(data: bytes, file_name: str, table: RawTable, redaction: Redaction) -> bytes:
    """The copy of the upload to keep: same format, personal values taken out."""
    if table.file_format == "csv":
        return _redact_csv(data, redaction)
    return _redact_xlsx(data, redaction)


def _redact_csv(data: bytes, redaction: Redaction) -> bytes:
    text, encoding = decode_text(data)
    head = [line for line in text[:20000].splitlines() if line.strip()][:HEADER_SCAN_ROWS]
    scores = {d: sum(line.count(d) for line in head) for d in (",", "\t", ";")}
    delimiter = max(scores, key=lambda d: scores[d]) if any(scores.values()) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for values in reader:
        row = reader.line_num
        writer.writerow(
            [
                "" if v is None else v
                for v in (redaction.clean(row, p, v) for p, v in enumerate(values))
            ]
        )
    codec = {"UTF-8-BOM": "utf-8-sig", "UTF-16": "utf-16", "GBK": "gbk", "GB18030": "gb18030"}
    return out.getvalue().encode(codec.get(encoding, "utf-8"), errors="replace")


def _redact_xlsx(data: bytes, redaction: Redaction) -> bytes:
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook = openpyxl.load_workbook(io.BytesIO(data))
    for index, sheet in enumerate(workbook.worksheets):
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None or not hasattr(cell, "column"):
                    continue
                if index == 0:
                    kept = redaction.clean(cell.row, cell.column - 1, cell.value)
                elif holds_personal_number(cell.value):
                    kept = scrub(cell_text(cell.value))
                else:
                    continue
                if kept is not cell.value:
                    cell.value = kept
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()
