"""The import's constants, its problems (file, cell, warning) and how header and cell text is normalised."""

from __future__ import annotations

import datetime
import re
import unicodedata
from typing import Any

from django.utils.translation import gettext as _

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls / .doc
OTHER_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"Rar!", b"\x1f\x8b", b"7z\xbc\xaf")
ALLOWED_SUFFIXES = {".xlsx", ".xlsm", ".csv", ".txt", ""}
HEADER_SCAN_ROWS = 30  # title and notes rows above the header row are skipped
NOTE_PREFIXES = ("注", "备注", "说明", "附注", "填表说明", "note")
LIST_SPLIT = re.compile(r"[、；;\r\n]+")
EXCEL_EPOCH = datetime.date(1899, 12, 30)
DATE_RE = re.compile(
    r"^(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*(?:[-/.月])\s*(\d{1,2})\s*日?"
    r"(?:\s*[T ]?\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
TRUE_WORDS = {"是", "有", "y", "yes", "true", "1", "√", "✓", "涉企", "取酬", "持股"}
FALSE_WORDS = {"否", "无", "n", "no", "false", "0", "×", "✗", "不涉企", "-", "/"}


class FileProblem(Exception):
    """The file as a whole cannot be imported; the message says why, in Chinese."""


class CellProblem(Exception):
    """One cell's value is not acceptable; the message says why, in Chinese."""


class CellWarning(CellProblem):
    """A value kept, but only once an admin accepts it with a reason (e.g. an early credit
    code failing its checksum). ``code`` names the kind of warning; ``value`` is what is kept."""

    def __init__(self, message: str, *, code: str, value: Any):
        super().__init__(message)
        self.code = code
        self.value = value


# --- normalisation -----------------------------------------------------------------------


def normalize_header(value: Any) -> str:
    """Full-width to half-width (NFKC), no spaces or line breaks, no required-marks, lower case."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = re.sub(r"[\s_]+", "", text)
    return text.strip("*:").lower()


def strip_parenthetical(text: str) -> str:
    """'收费标准(元)' -> '收费标准': units and remarks in brackets after the name."""
    return re.sub(r"[(\[【][^)\]】]*[)\]】]", "", text)


def normalize_key(value: Any) -> str:
    """How names are compared (departments, duplicates): NFKC, no whitespace, case-folded."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value or ""))).casefold()


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    """A cell as text: whole numbers without '.0', dates as ISO, strings stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()
