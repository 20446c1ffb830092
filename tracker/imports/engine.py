"""Reading spreadsheets for import: file formats, the header row, header names and cell values.

Nothing here writes to the database. ``tracker.imports.services`` turns what this module reads
into cases; the per-kind column maps (``KindImporter``) live in the domain apps and are found
through ``CaseKind.importer``, so the core never imports the domain apps.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime
import decimal
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracker.cases.validators import credit_code_problems
from tracker.imports.values import (
    AmountProblem,
    header_unit,
    parse_amount,
    quantize,
    split_documents,
    split_names,
)

if TYPE_CHECKING:  # pragma: no cover
    from tracker.models import Case, Department, Jurisdiction, User

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


# --- reading the file --------------------------------------------------------------------


@dataclass
class RawTable:
    """The non-blank rows of the first sheet, each with its 1-based row number in the file."""

    rows: list[tuple[int, list]]
    file_format: str  # "xlsx" or "csv"
    encoding: str = ""
    truncated: bool = False  # reading stopped at the row limit
    # Merged regions (first row, first column, last row, last column; rows 1-based, columns
    # 0-based), the cells filled from them -> their region's top-left cell, and the rows as they
    # were before the filling (only rows a region touched).
    merges: list[tuple[int, int, int, int]] = dataclasses.field(default_factory=list)
    filled: dict[tuple[int, int], tuple[int, int]] = dataclasses.field(default_factory=dict)
    originals: dict[int, list] = dataclasses.field(default_factory=dict)


def read_table(data: bytes, file_name: str, *, max_rows: int) -> RawTable:
    """Detect the format (XLSX, or CSV in UTF-8, UTF-8-BOM, GBK, GB18030) and read the rows."""
    suffix = PurePath(file_name or "").suffix.lower()
    if not data:
        raise FileProblem(_("文件为空。"))
    if suffix == ".xls" or data.startswith(OLE_MAGIC):
        raise FileProblem(
            _("不支持旧版 Excel（.xls）文件：请在 Excel 中“另存为” .xlsx 或 CSV 后再导入。")
        )
    if suffix not in ALLOWED_SUFFIXES or data.startswith(OTHER_MAGIC):
        raise FileProblem(
            _("不支持的文件类型“%(ext)s”：请上传 Excel（.xlsx）或 CSV 文件。")
            % {"ext": suffix or file_name}
        )
    limit = max_rows + HEADER_SCAN_ROWS + 1
    if data.startswith(XLSX_MAGIC):
        return _read_xlsx(data, limit)
    if suffix in (".xlsx", ".xlsm"):
        raise FileProblem(_("无法读取 Excel 文件：文件已损坏，或不是有效的 .xlsx 文件。"))
    return _read_csv(data, limit)


MAX_SHEET_XML_BYTES = 400 * 1024 * 1024  # an uncompressed sheet larger than this is refused
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _merge_region(ref: str) -> tuple[int, int, int, int] | None:
    """'A2:A5' -> (2, 0, 5, 0)."""
    match = re.fullmatch(r"\$?([A-Z]+)\$?(\d+):\$?([A-Z]+)\$?(\d+)", (ref or "").upper())
    if not match:
        return None
    c1, r1, c2, r2 = match.groups()
    return int(r1), _column_index(c1), int(r2), _column_index(c2)


def _column_index(ref: str) -> int:
    index = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            index = index * 26 + (ord(ch) - 64)
        else:
            break
    return index - 1


def _xlsx_parts(archive: zipfile.ZipFile) -> tuple[str, str | None, bool]:
    """The first worksheet's part name, the shared-strings part name, and the 1904 flag."""
    from xml.etree import ElementTree

    def resolve(target: str) -> str:
        target = target.lstrip("/")
        return target if target.startswith("xl/") else f"xl/{target}"

    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    shared = next(
        (
            resolve(r.get("Target", ""))
            for r in rels
            if r.get("Type", "").endswith("/sharedStrings")
        ),
        None,
    )
    date1904 = any(
        _local(el.tag) == "workbookPr" and el.get("date1904") in ("1", "true") for el in workbook
    )
    for el in workbook.iter():
        if _local(el.tag) == "sheet":
            rid = el.get(_NS_REL) or next(
                (v for k, v in el.attrib.items() if k.endswith("}id")), None
            )
            if rid in targets:
                return resolve(targets[rid]), shared, date1904
    raise KeyError("no worksheet")


def _shared_strings(archive: zipfile.ZipFile, name: str | None) -> list[str]:
    from xml.etree import ElementTree

    if not name or name not in archive.namelist():
        return []
    strings: list[str] = []
    with archive.open(name) as fh:
        parts: list[str] = []
        skip = 0
        for event, el in ElementTree.iterparse(fh, events=("start", "end")):
            tag = _local(el.tag)
            if event == "start":
                if tag == "rPh":
                    skip += 1  # phonetic guide text is not part of the value
                continue
            if tag == "t" and not skip:
                parts.append(el.text or "")
            elif tag == "rPh":
                skip -= 1
            elif tag == "si":
                strings.append("".join(parts))
                parts = []
                el.clear()
    return strings


def _read_xlsx_fast(data: bytes, limit: int) -> RawTable | None:
    """A streaming reader for plain sheets (values only); None when openpyxl should decide."""
    from xml.etree import ElementTree

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        sheet_name, shared_name, date1904 = _xlsx_parts(archive)
        if date1904 or archive.getinfo(sheet_name).file_size > MAX_SHEET_XML_BYTES:
            return None
        strings = _shared_strings(archive, shared_name)
        rows: list[tuple[int, list]] = []
        truncated = False
        row_number = 0
        cells: dict[int, Any] = {}
        value: str | None = None
        inline: list[str] = []
        merges: list[tuple[int, int, int, int]] = []
        with archive.open(sheet_name) as fh:
            for _event, el in ElementTree.iterparse(fh, events=("end",)):
                tag = _local(el.tag)
                if tag == "mergeCell":
                    region = _merge_region(el.get("ref", ""))
                    if region is not None:
                        merges.append(region)
                    el.clear()
                elif tag == "v":
                    value = el.text
                elif tag == "t":
                    inline.append(el.text or "")
                elif tag == "c":
                    kind = el.get("t", "n")
                    ref = el.get("r")
                    pos = _column_index(ref) if ref else len(cells)
                    if kind == "s":
                        cell: Any = strings[int(value)] if value is not None else None
                    elif kind == "inlineStr":
                        cell = "".join(inline)
                    elif kind in ("str", "e"):
                        cell = value
                    elif kind == "b":
                        cell = value == "1" if value is not None else None
                    elif value is None:
                        cell = None
                    else:
                        number = float(value)
                        cell = (
                            int(number)
                            if number.is_integer() and "E" not in value.upper()
                            else number
                        )
                    if cell is not None and cell != "":
                        cells[pos] = cell
                    value, inline = None, []
                    el.clear()
                elif tag == "row":
                    row_number = int(el.get("r") or row_number + 1)
                    if cells:
                        width = max(cells) + 1
                        rows.append((row_number, [cells.get(i) for i in range(width)]))
                        if len(rows) >= limit:
                            truncated = True
                            break
                    cells = {}
                    el.clear()
        return RawTable(rows, "xlsx", "", truncated, merges=merges)
    except Exception:
        return None


def _read_xlsx(data: bytes, limit: int) -> RawTable:
    fast = _read_xlsx_fast(data, limit)
    if fast is not None and fast.rows:
        return fast
    import openpyxl

    corrupt = _("无法读取 Excel 文件：文件已损坏，或不是有效的 .xlsx 文件。")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # BadZipFile, KeyError, InvalidFileException, XML errors: all "corrupt"
        raise FileProblem(corrupt)
    try:
        for sheet in workbook.worksheets:
            if not hasattr(sheet, "iter_rows"):
                continue  # a chart sheet
            if hasattr(sheet, "reset_dimensions"):
                sheet.reset_dimensions()  # some writers store a wrong sheet size
            rows: list[tuple[int, list]] = []
            truncated = False
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                    if all(is_blank(v) for v in values):
                        continue
                    rows.append((number, list(values)))
                    if len(rows) >= limit:
                        truncated = True
                        break
            if rows:
                return RawTable(rows, "xlsx", "", truncated)
        return RawTable([], "xlsx")
    except FileProblem:
        raise
    except Exception:
        raise FileProblem(corrupt)
    finally:
        workbook.close()


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: a BOM decides; otherwise UTF-8, then GBK, then GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8-BOM"
        except UnicodeDecodeError:
            raise FileProblem(_("文件声明为 UTF-8 编码，但内容含有无效字符。"))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise FileProblem(_("文件声明为 UTF-16 编码，但内容含有无效字符。"))
    if b"\x00" in data[:8192]:
        raise FileProblem(_("不支持的文件类型：这不是文本（CSV）文件，也不是 .xlsx 文件。"))
    for encoding, label in (("utf-8", "UTF-8"), ("gbk", "GBK"), ("gb18030", "GB18030")):
        try:
            return data.decode(encoding), label
        except UnicodeDecodeError:
            continue
    raise FileProblem(_("无法识别文件编码：请将 CSV 保存为 UTF-8 或 GBK 编码。"))


def _sniff_delimiter(lines: list[str]) -> str:
    scores = {d: sum(line.count(d) for line in lines) for d in (",", "\t", ";")}
    best = max(scores, key=lambda d: scores[d])
    return best if scores[best] else ","


def _read_csv(data: bytes, limit: int) -> RawTable:
    text, encoding = decode_text(data)
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\r\n")
    if controls:
        raise FileProblem(_("不支持的文件类型：这不是文本（CSV）文件，也不是 .xlsx 文件。"))
    head = [line for line in text[:20000].splitlines() if line.strip()][:HEADER_SCAN_ROWS]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(head))
    rows: list[tuple[int, list]] = []
    truncated = False
    try:
        for values in reader:
            if all(is_blank(v) for v in values):
                continue
            rows.append((reader.line_num, values))
            if len(rows) >= limit:
                truncated = True
                break
    except csv.Error as exc:
        raise FileProblem(
            _("CSV 格式错误（第 %(n)d 行）：%(e)s") % {"n": reader.line_num, "e": exc}
        )
    return RawTable(rows, "csv", encoding, truncated)


# --- columns and the per-kind column map ---------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One spreadsheet column of a kind: its names, how its cells are read, where they go."""

    key: str
    header: Any  # canonical Chinese header (lazy), used in the template
    aliases: tuple[str, ...] = ()  # other Chinese names and English headers
    parser: str = "text"  # see PARSERS
    required: bool = False
    target: str = "subject"  # "case", "subject", "extra" (the importer uses it) or "ignore"
    field: str = ""  # model field name when it differs from key
    choices: Sequence[tuple[str, Any]] = ()
    choice_aliases: dict[str, str] = dataclasses.field(default_factory=dict)  # extra words -> value
    example: Any = ""
    help: Any = ""
    max_length: int | None = None  # for "extra" columns; model fields give their own

    @property
    def field_name(self) -> str:
        return self.field or self.key

    def names(self) -> list[str]:
        return [str(self.header), *self.aliases]


def common_case_columns(
    *,
    department_header: Any = None,
    department_required: bool = False,
    department_aliases: tuple[str, ...] = (),
    disposition_aliases: dict[str, str] | None = None,
    disposition_headers: tuple[str, ...] = (),
    examples: dict[str, Any] | None = None,
):
    """Case-level columns every kind shares: department, decision, dates."""
    examples = examples or {}
    columns = [
        Column(
            "disposition",
            gettext_lazy("处理决定"),
            (
                "处理意见",
                "清理意见",
                "处理结果",
                "处理情况",
                *disposition_headers,
                "disposition",
                "decision",
            ),
            parser="disposition",
            target="case",
            choice_aliases=disposition_aliases or {},
            example=examples.get("disposition", ""),
            help=gettext_lazy("填写处理决定的中文名称"),
        ),
        Column(
            "decision_doc_no",
            gettext_lazy("决定文号"),
            ("文号", "决定文件文号", "decisiondocno", "decisiondocumentno", "docno"),
            target="case",
            example=examples.get("decision_doc_no", ""),
        ),
        Column(
            "decision_date",
            gettext_lazy("决定日期"),
            ("决定时间", "decisiondate"),
            parser="date",
            target="case",
            example=examples.get("decision_date", ""),
        ),
        Column(
            "registered_on",
            gettext_lazy("登记日期"),
            ("registeredon", "registrationdate"),
            parser="date",
            target="case",
        ),
        Column(
            "deadline",
            gettext_lazy("完成时限"),
            ("完成期限", "整改时限", "办结时限", "deadline", "duedate"),
            parser="date",
            target="case",
            example=examples.get("deadline", ""),
        ),
        Column(
            "seq",
            gettext_lazy("序号"),
            ("no", "no.", "#", "seq"),
            target="ignore",
            example=1,
        ),
        Column(
            "remark",
            gettext_lazy("备注"),
            ("备注说明", "说明", "remark", "remarks", "notes"),
            target="extra",
            max_length=2000,
            help=gettext_lazy("导入时记为该事项的一条备注"),
        ),
        Column(
            "owner",
            gettext_lazy("责任人"),
            ("经办人", "owner"),
            target="extra",
            max_length=150,
            help=gettext_lazy("填写用户名或姓名；须是能看到该事项的改革办人员"),
        ),
    ]
    if department_header is not None:
        columns.insert(
            0,
            Column(
                "department",
                department_header,
                ("部门", "部门名称", "责任部门", *department_aliases, "department", "dept"),
                parser="department",
                required=department_required,
                target="case",
                example=examples.get("department", ""),
            ),
        )
    return columns


@dataclass
class RowPlan:
    """One data row: the parsed values, where they go, its errors and its outcome."""

    number: int  # the row number in the file (1-based, as Excel shows it)
    values: dict[str, Any] = dataclasses.field(
        default_factory=dict
    )  # parsed values of non-blank cells
    case_fields: dict[str, Any] = dataclasses.field(default_factory=dict)
    subject_fields: dict[str, Any] = dataclasses.field(default_factory=dict)
    extras: dict[str, Any] = dataclasses.field(default_factory=dict)
    errors: list[tuple[str, str]] = dataclasses.field(
        default_factory=list
    )  # (column header, message)
    title: str = ""
    keys: list[tuple] = dataclasses.field(default_factory=list)
    outcome: str = ""  # create | update | unchanged | skip | error
    note: str = ""
    duplicate: str = ""  # "file" (repeats an earlier row) or "db" (matches an existing case)
    existing: Case | None = None
    changes: dict[str, dict[str, Any]] = dataclasses.field(
        default_factory=dict
    )  # target -> field -> value
    changed_labels: list[str] = dataclasses.field(default_factory=list)
    case_obj: Any = None
    subject_obj: Any = None
    # What the preview shows: (label, value as it will be written, how it was read).
    resolved: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)
    # Problems an admin may accept with a reason: {code, column, message}.
    warnings: list[dict[str, str]] = dataclasses.field(default_factory=list)
    accepted: list[dict[str, str]] = dataclasses.field(default_factory=list)
    # Names the resolver could not place: {column, text, candidates: [(id, name)]}.
    unresolved: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    sub_rows: list[tuple[int, str]] = dataclasses.field(default_factory=list)  # (row, text)
    inherited: dict[str, str] = dataclasses.field(default_factory=dict)  # column -> where from
    owner: Any = None  # 责任人 for the case (User)
    remark: str = ""  # 备注, kept as a note on the case

    def warn(self, code: str, column: str, message: str) -> None:
        self.warnings.append({"code": code, "column": column, "message": message})


@dataclass
class ImportContext:
    """What parsers and importers need: the jurisdiction, its departments, the kind, the user."""

    kind: Any  # CaseKind
    jurisdiction: Jurisdiction
    user: User | None
    departments: DepartmentIndex
    headers: dict[str, str] = dataclasses.field(
        default_factory=dict
    )  # column key -> header text in file
    on_duplicate: str = "skip"
    cache: dict[str, Any] = dataclasses.field(default_factory=dict)  # importer-specific lookups

    def header(self, key: str) -> str:
        return self.headers.get(key, key)


class KindImporter:
    """The spreadsheet column map of one case kind, with hooks for kind-specific work.

    The default hooks handle a kind whose subject is plain fields; a domain app overrides
    them for related register rows (approval items, firms) and for its duplicate identity.
    """

    kind_key: str = ""
    title_column: str = "name"  # the column errors about the case title are reported on
    columns: list[Column] = []
    section_columns: tuple[str, ...] = ("department",)  # what a section row may give its rows
    title_columns: tuple[str, ...] = ()  # what a title row may give (choice columns)
    sub_item_column: str = ""  # where (1)(2) sub-item rows go, for kinds that have sub-items

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)

    def required_columns(self) -> list[Column]:
        return [c for c in self.columns if c.required]

    def complete_rows(self, plans: list[RowPlan], ctx: ImportContext) -> None:
        """All rows at once (batch look-ups), then ``complete`` for each row."""
        for plan in plans:
            self.complete(plan, ctx)

    def complete(self, plan: RowPlan, ctx: ImportContext) -> None:
        """Derive fields and add kind-specific errors (plan.errors) after the cells are parsed."""

    def expand(self, plan: RowPlan) -> list[RowPlan]:
        """One row may stand for several cases (an official's several posts): one plan each."""
        return [plan]

    def create_defaults(self, plan: RowPlan, ctx: ImportContext) -> dict[str, Any]:
        """Subject values for a new row whose cells leave them blank."""
        return {}

    def title(self, plan: RowPlan) -> str:
        return str(plan.subject_fields.get("name") or "")

    def keys(self, plan: RowPlan) -> list[tuple]:
        """Duplicate identities of a row: same name and department by default."""
        department = plan.case_fields.get("department")
        return [("name", normalize_key(plan.title), department.pk if department else None)]

    def existing(self, ctx: ImportContext) -> dict[tuple, Case]:
        """Cases already in the database, by the same identities as ``keys``."""
        from tracker.cases.workflow import Status
        from tracker.models import Case

        related = ctx.kind.subject_related_name
        found: dict[tuple, Case] = {}
        qs = (
            Case.objects.filter(kind=ctx.kind.key, jurisdiction=ctx.jurisdiction)
            .exclude(status=Status.WITHDRAWN)
            .select_related(related, "department")
            .order_by("id")
        )
        for case in qs:
            found.setdefault(("name", normalize_key(case.title), case.department_id), case)
        return found

    def extra_changes(self, plan: RowPlan, case: Case) -> dict[str, Any]:
        """Changes outside the case and subject fields (m2m, register rows): {label: value}."""
        return {}

    def prepare_create(self, plans: list[RowPlan], ctx: ImportContext, *, reason: str) -> None:
        """Before the bulk create: create register rows the subjects point to."""

    def after_create(self, plans: list[RowPlan], ctx: ImportContext, *, reason: str) -> None:
        """After the bulk create: many-to-many links and their history."""

    def prepare_update(self, plan: RowPlan, ctx: ImportContext, *, reason: str) -> dict:
        """Before one update: write register rows; return m2m values for case_update."""
        return {}

    def template_rows(self) -> list[list[Any]]:
        return [[c.example for c in self.template_columns()]]

    def template_columns(self) -> list[Column]:
        """序号 first, then every data column in map order."""
        seq = [c for c in self.columns if c.key == "seq"]
        return seq + [c for c in self.columns if c.target != "ignore"]


# --- header row --------------------------------------------------------------------------


@dataclass
class HeaderMap:
    """Which file column holds which importer column."""

    row_index: int  # index into RawTable.rows
    row_number: int  # 1-based row number in the file
    positions: dict[str, int]  # column key -> cell position
    headers: dict[str, str]  # column key -> header text as written in the file
    unknown: list[str]  # header texts not recognised (kept with the batch, not imported)
    unknown_positions: dict[str, int] = dataclasses.field(default_factory=dict)
    missing: list[str] = dataclasses.field(default_factory=list)  # required keys not in the file


def _languages() -> list[str]:
    """Chinese first (what the offices' spreadsheets use), then the user's language."""
    current = translation.get_language() or settings.LANGUAGE_CODE
    return list(dict.fromkeys(["zh-hans", current]))


def alias_index(importer: KindImporter) -> dict[str, str]:
    """Header names in Chinese and in the active language, with aliases, -> column key."""
    index: dict[str, str] = {}
    for language in _languages():
        with translation.override(language):
            for col in importer.columns:
                for name in col.names():
                    index.setdefault(normalize_header(name), col.key)
    return index


def match_header(text: Any, index: dict[str, str]) -> str | None:
    norm = normalize_header(text)
    if not norm:
        return None
    if norm in index:
        return index[norm]
    bare = strip_parenthetical(norm)
    return index.get(bare) if bare else None


def locate_header(
    table: RawTable, importer: KindImporter, *, allow_missing: bool = False
) -> HeaderMap:
    """The header row is the one among the first rows that names the most known columns.

    With ``allow_missing`` a required column absent from the header is listed in
    ``HeaderMap.missing`` (a section row, the title or a file-wide default may give it).
    """
    index = alias_index(importer)
    best_i, best_score = -1, 0
    for i, (_number, cells) in enumerate(table.rows[:HEADER_SCAN_ROWS]):
        score = len({k for k in (match_header(c, index) for c in cells) if k})
        if score > best_score:
            best_i, best_score = i, score
    if best_i < 0:
        examples = "、".join(str(c.header) for c in importer.columns if c.target != "ignore")
        raise FileProblem(
            _("找不到表头行：文件前 %(n)d 行中没有可识别的列名。本类别的列名为：%(names)s。")
            % {"n": HEADER_SCAN_ROWS, "names": examples}
        )
    number, cells = table.rows[best_i]
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    unknown: list[str] = []
    unknown_positions: dict[str, int] = {}
    problems: list[str] = []
    for pos, cell in enumerate(cells):
        label = re.sub(r"\s+", "", str(cell or ""))
        key = match_header(cell, index)
        if key is None:
            if label:
                unknown.append(label)
                unknown_positions.setdefault(label, pos)
            continue
        if key in positions:
            problems.append(
                _("列“%(a)s”和列“%(b)s”含义相同，请删除其中一列。")
                % {"a": headers[key], "b": label}
            )
            continue
        positions[key] = pos
        headers[key] = label
    absent = [c for c in importer.required_columns() if c.key not in positions]
    missing = [] if allow_missing else [str(c.header) for c in absent]
    if missing:
        problems.append(
            _("缺少必需的列：%(cols)s（表头在第 %(row)d 行）。")
            % {"cols": "、".join(missing), "row": number}
        )
    if problems:
        raise FileProblem("；".join(problems))
    return HeaderMap(
        best_i,
        number,
        positions,
        headers,
        unknown,
        unknown_positions,
        [c.key for c in absent] if allow_missing else [],
    )


def is_note_row(cells: list) -> bool:
    """A notes line under or inside the table: only the first non-blank cell, starting 注/说明."""
    filled = [c for c in cells if not is_blank(c)]
    if len(filled) != 1:
        return False
    text = normalize_header(filled[0])
    return text.startswith(NOTE_PREFIXES)


# --- value parsers -----------------------------------------------------------------------


def parse_text(value: Any, col: Column, ctx: ImportContext, max_length: int | None) -> str:
    text = cell_text(value)
    if max_length and len(text) > max_length:
        raise CellProblem(
            _("内容过长：%(n)d 个字，最多 %(max)d 个字。") % {"n": len(text), "max": max_length}
        )
    return text


def parse_date(value: Any, col: Column = None, ctx: Any = None, max_length: Any = None):
    """2026-11-30, 2026/11/30, 2026.11.30, 2026年11月30日, 20261130, or an Excel serial date."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool):
        return _excel_serial(float(value), value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = DATE_RE.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return _make_date(year, month, day, text)
    if re.fullmatch(r"\d{8}", text):
        return _make_date(int(text[:4]), int(text[4:6]), int(text[6:]), text)
    if re.fullmatch(r"\d{1,6}(\.\d+)?", text):
        return _excel_serial(float(text), text)
    raise CellProblem(
        _("无法识别的日期“%(v)s”：请写成 2026-11-30、2026/11/30、2026.11.30 或 2026年11月30日。")
        % {"v": text}
    )


def _make_date(year: int, month: int, day: int, text: str) -> datetime.date:
    try:
        result = datetime.date(year, month, day)
    except ValueError:
        raise CellProblem(_("日期“%(v)s”不存在。") % {"v": text})
    if not 1949 <= result.year <= 2100:
        raise CellProblem(_("日期“%(v)s”的年份不合理。") % {"v": text})
    return result


def _excel_serial(number: float, shown: Any) -> datetime.date:
    # Excel's 1900 date system (serial 1 = 1900-01-01, with its fictitious 1900-02-29).
    if not 18264 <= number <= 73051:  # 1950-01-01 .. 2099-12-31
        raise CellProblem(_("无法识别的日期“%(v)s”。") % {"v": cell_text(shown)})
    return EXCEL_EPOCH + datetime.timedelta(days=int(number))


def parse_bool(value: Any, col: Column, ctx: ImportContext, max_length: Any = None) -> bool:
    if isinstance(value, bool):
        return value
    text = normalize_key(cell_text(value))
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellProblem(_("请填写“是”或“否”，而不是“%(v)s”。") % {"v": cell_text(value)})


def column_unit(col: Column, ctx: ImportContext | None) -> str:
    """The unit of a money column: as the file's header names it, else the canonical header."""
    written = ctx.header(col.key) if ctx is not None else ""
    return header_unit(written) or header_unit(str(col.header)) or "元"


def parse_amount_cell(value: Any, col: Column, ctx: ImportContext, max_length: Any = None):
    """'12万元', '0.5-3元/平方米', '不超过3', '3%' -> values.Amount in the column's unit."""
    try:
        return parse_amount(value, base_unit=column_unit(col, ctx))
    except AmountProblem as exc:
        raise CellProblem(str(exc))


def parse_decimal(value: Any, col: Column, ctx: ImportContext, max_length: Any = None):
    """One amount in the column's unit: '12万元' in a 元 column is 120000, '12' is 12."""
    amount = parse_amount_cell(value, col, ctx)
    if amount.exact is None or "/" in amount.unit or amount.unit in ("%", "‰"):
        raise CellProblem(
            _("“%(v)s”：此列需要一个确定的金额（%(unit)s），不是范围、比例或单价。")
            % {"v": cell_text(value), "unit": column_unit(col, ctx)}
        )
    return quantize(amount.exact)


def _choice_index(col: Column, choices: Sequence[tuple[str, Any]], ctx: ImportContext) -> dict:
    """Normalised label, value and alias -> value; built once per import and column."""
    key = ("choices", col.key)
    index = ctx.cache.get(key)
    if index is None:
        index = {}
        for language in _languages():
            with translation.override(language):
                for choice, label in choices:
                    index.setdefault(normalize_key(choice), choice)
                    index.setdefault(normalize_key(str(label)), choice)
        for alias, choice in col.choice_aliases.items():
            index[normalize_key(alias)] = choice
        ctx.cache[key] = index
    return index


def parse_choice(value: Any, col: Column, ctx: ImportContext, max_length: Any = None) -> str:
    wanted = normalize_key(cell_text(value))
    index = _choice_index(col, col.choices, ctx)
    if wanted in index:
        return index[wanted]
    raise CellProblem(
        _("“%(v)s”不是可选值。可选：%(choices)s。")
        % {"v": cell_text(value), "choices": "、".join(str(label) for _c, label in col.choices)}
    )


def parse_disposition(value: Any, col: Column, ctx: ImportContext, max_length: Any = None) -> str:
    wanted = normalize_key(cell_text(value))
    index = _choice_index(col, ctx.kind.dispositions, ctx)
    if wanted in index:
        return index[wanted]
    raise CellProblem(
        _("处理决定“%(v)s”不适用于%(kind)s。可选：%(choices)s。")
        % {
            "v": cell_text(value),
            "kind": ctx.kind.label,
            "choices": "、".join(str(label) for _c, label in ctx.kind.dispositions),
        }
    )


CREDIT_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")


MULTI_SPLIT = re.compile(r"[、；;，,/\r\n]+|\s{2,}")


def parse_choices(value: Any, col: Column, ctx: ImportContext, max_length: Any = None) -> list:
    """Several choices in one cell ('董事、监事'): a list of values, in order, without repeats."""
    return list(
        dict.fromkeys(
            parse_choice(part, col, ctx)
            for part in MULTI_SPLIT.split(cell_text(value))
            if part.strip()
        )
    )


def parse_dispositions(value: Any, col: Column, ctx: ImportContext, max_length: Any = None) -> list:
    """Several dispositions in one cell ('辞去企业职务、退还报酬'): a list, the main one first."""
    return list(
        dict.fromkeys(
            parse_disposition(part, col, ctx)
            for part in MULTI_SPLIT.split(cell_text(value))
            if part.strip()
        )
    )


def parse_credit_code(value: Any, col: Column, ctx: ImportContext, max_length: Any = None) -> str:
    """An 18-character code; one failing only its check character is a warning (DOMAIN.md §5)."""
    code = re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(value))).upper()
    problems = credit_code_problems(code)
    if problems and CREDIT_SHAPE.match(code):
        raise CellWarning(
            _("%(p)s早期代码可能不符合校验规则：核实后由管理员填写说明确认。")
            % {"p": "；".join(problems)},
            code="credit_checksum",
            value=code,
        )
    if problems:
        raise CellProblem("；".join(problems))
    return code


def parse_registration_number(
    value: Any, col: Column, ctx: ImportContext, max_length: Any = None
) -> str:
    """A legacy 15-digit business registration number (注册号): kept with a warning."""
    number = re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(value)))
    if not re.fullmatch(r"\d{15}", number):
        raise CellProblem(_("注册号应为 15 位数字，当前为“%(v)s”。") % {"v": number[:30]})
    raise CellWarning(
        _("15 位注册号“%(v)s”是旧版工商注册号：请核实，并尽量补充统一社会信用代码。")
        % {"v": number},
        code="reg_no_15",
        value=number,
    )


def split_list(value: Any) -> list[str]:
    """Several entries in one cell, separated by 、 ； ; or line breaks."""
    return [part.strip() for part in LIST_SPLIT.split(cell_text(value)) if part.strip()]


def parse_basis(value: Any, col: Column, ctx: ImportContext, max_length: Any = None) -> str:
    """Several legal-basis documents in one cell become one per line (never split inside one)."""
    return "\n".join(split_documents(cell_text(value)))


def parse_names(value: Any, col: Column, ctx: ImportContext, max_length: Any = None) -> list[str]:
    """Several names in one cell where the cell is a list; a name containing 、 stays whole."""
    names = split_names(cell_text(value))
    limit = max_length or 200
    for name in names:
        if len(name) > limit:
            raise CellProblem(
                _("“%(v)s”过长：最多 %(max)d 个字。") % {"v": name[:30], "max": limit}
            )
    return names


def parse_department(value: Any, col: Column, ctx: ImportContext, max_length: Any = None):
    return ctx.departments.find(cell_text(value))


PARSERS = {
    "text": parse_text,
    "date": parse_date,
    "bool": parse_bool,
    "decimal": parse_decimal,
    "amount": parse_amount_cell,
    "choice": parse_choice,
    "disposition": parse_disposition,
    "choices": parse_choices,
    "dispositions": parse_dispositions,
    "credit_code": parse_credit_code,
    "registration_number": parse_registration_number,
    "basis": parse_basis,
    "names": parse_names,
    "department": parse_department,
}


class DepartmentIndex:
    """Departments of one jurisdiction by name and by short name (normalised)."""

    def __init__(self, jurisdiction: Jurisdiction, departments: Iterable[Department] | None = None):
        from tracker.models import Department

        self.jurisdiction = jurisdiction
        rows = (
            list(departments)
            if departments is not None
            else list(Department.objects.filter(jurisdiction=jurisdiction))
        )
        self.by_name: dict[str, Department] = {}
        self.by_short: dict[str, list[Department]] = {}
        for dept in rows:
            self.by_name[normalize_key(dept.name)] = dept
            if dept.short_name:
                self.by_short.setdefault(normalize_key(dept.short_name), []).append(dept)
            if dept.code:
                self.by_short.setdefault(normalize_key(dept.code), []).append(dept)

    def find(self, text: str) -> Department:
        key = normalize_key(text)
        if key in self.by_name:
            return self.by_name[key]
        matches = self.by_short.get(key, [])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise CellProblem(
                _("简称“%(v)s”对应多个部门（%(names)s），请填写部门全称。")
                % {"v": text, "names": "、".join(d.name for d in matches)}
            )
        raise CellProblem(
            _("%(j)s没有名为“%(v)s”的部门（按全称或简称查找）。")
            % {"j": self.jurisdiction.name, "v": text}
        )
