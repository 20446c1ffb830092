"""Reading the file: XLSX (a streaming reader, openpyxl when it must) and CSV in its encodings.

The archive checks, the workbook parts and the shared strings are in
``tracker.imports.engine.archive``; their names are re-exported here.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, BinaryIO

from django.utils.translation import gettext as _

from tracker.imports.engine.archive import (
    _MB,
    _NS_REL,
    _check_archive,
    _column_index,
    _dimension_cells,
    _local,
    _merge_region,
    _open_xlsx,
    _shared_strings,
    _too_big,
    _xlsx_parts,
)
from tracker.imports.engine.cells import (
    ALLOWED_SUFFIXES,
    HEADER_SCAN_ROWS,
    OLE_MAGIC,
    OTHER_MAGIC,
    XLSX_MAGIC,
    FileProblem,
    is_blank,
)
from tracker.imports.engine.limits import limit as limit_of

__all__ = [
    "MAX_SHEET_XML_BYTES",
    "RawTable",
    "_MB",
    "_NS_REL",
    "_check_archive",
    "_column_index",
    "_dimension_cells",
    "_local",
    "_merge_region",
    "_open_xlsx",
    "_read_csv",
    "_read_sheet_fast",
    "_read_xlsx",
    "_read_xlsx_fast",
    "_shared_strings",
    "_sheet_rows",
    "_sniff_delimiter",
    "_too_big",
    "_xlsx_cell",
    "_xlsx_parts",
    "decode_text",
    "read_table",
]

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


def _xlsx_cell(kind: str, value: str | None, inline: list[str], strings: list[str]) -> Any:
    """A cell's value from its type (``t``) and its ``<v>`` or inline text."""
    if kind == "s":
        return strings[int(value)] if value is not None else None
    if kind == "inlineStr":
        return "".join(inline)
    if kind in ("str", "e"):
        return value
    if kind == "b":
        return value == "1" if value is not None else None
    if value is None:
        return None
    number = float(value)
    return int(number) if number.is_integer() and "E" not in value.upper() else number


def _read_xlsx_fast(data: bytes, limit: int) -> RawTable | None:
    """A streaming reader for plain sheets (values only); None when openpyxl should decide."""
    archive, parts, strings = _open_xlsx(data)
    return _read_sheet_fast(archive, parts, strings, limit)


def _read_sheet_fast(
    archive: zipfile.ZipFile,
    parts: tuple[str, str | None, bool] | None,
    strings: list[str],
    limit: int,
) -> RawTable | None:
    """The first sheet of a checked archive; None when openpyxl should decide.

    Raises FileProblem when the sheet passes a limit (cells read, rows x columns)."""
    if parts is None:
        return None
    max_cells, max_range = limit_of("CELLS"), limit_of("USED_RANGE_CELLS")
    try:
        sheet_name, _shared_name, date1904 = parts
        if date1904 or archive.getinfo(sheet_name).file_size > MAX_SHEET_XML_BYTES:
            return None
        with archive.open(sheet_name) as fh:
            rows, truncated, merges = _sheet_rows(fh, strings, limit, max_cells, max_range)
        return RawTable(rows, "xlsx", "", truncated, merges=merges)
    except FileProblem:
        raise
    except Exception:
        return None


# The import hot path: one loop over every element of the sheet, kept whole for speed
# (a helper per cell or row would cost a call per cell); the state stays in local variables.
def _sheet_rows(
    fh: BinaryIO, strings: list[str], limit: int, max_cells: int, max_range: int
) -> tuple[list[tuple[int, list]], bool, list[tuple[int, int, int, int]]]:
    """The non-blank rows of a sheet's XML (stopping at ``limit`` rows), whether reading stopped
    there, and the merged regions; FileProblem when the cells or the used range pass a limit."""
    from xml.etree import ElementTree

    seen = used = 0
    sheet_data = None
    rows: list[tuple[int, list]] = []
    truncated = False
    row_number = 0
    cells: dict[int, Any] = {}
    value: str | None = None
    inline: list[str] = []
    merges: list[tuple[int, int, int, int]] = []
    for event, el in ElementTree.iterparse(fh, events=("start", "end")):
        tag = _local(el.tag)
        if event == "start":
            if tag == "sheetData":
                sheet_data = el
            continue
        if tag == "dimension":
            if _dimension_cells(el.get("ref", "")) > max_range:
                raise _too_big(_("工作表的使用范围（行数×列数）"), "USED_RANGE_CELLS")
        elif tag == "mergeCell":
            region = _merge_region(el.get("ref", ""))
            if region is not None:
                merges.append(region)
            el.clear()
        elif tag == "v":
            value = el.text
        elif tag == "t":
            inline.append(el.text or "")
        elif tag == "c":
            seen += 1
            if seen > max_cells:
                raise _too_big(_("工作表的单元格个数"), "CELLS")
            kind = el.get("t", "n")
            ref = el.get("r")
            pos = _column_index(ref) if ref else len(cells)
            cell = _xlsx_cell(kind, value, inline, strings)
            if cell is not None and cell != "":
                cells[pos] = cell
            value, inline = None, []
            el.clear()
        elif tag == "row":
            row_number = int(el.get("r") or row_number + 1)
            if cells:
                width = max(cells) + 1
                used += width
                if used > max_range:
                    raise _too_big(_("工作表的使用范围（行数×列数）"), "USED_RANGE_CELLS")
                rows.append((row_number, [cells.get(i) for i in range(width)]))
                if len(rows) >= limit:
                    truncated = True
                    break
            cells = {}
            el.clear()
            if sheet_data is not None:
                sheet_data.clear()  # drop the read rows: memory stays flat
    return rows, truncated, merges


def _read_xlsx(data: bytes, limit: int) -> RawTable:
    archive, parts, strings = _open_xlsx(data)  # the limits, before any sheet is parsed
    fast = _read_sheet_fast(archive, parts, strings, limit)
    del strings
    if fast is not None and fast.rows:
        return fast
    import openpyxl

    corrupt = _("无法读取 Excel 文件：文件已损坏，或不是有效的 .xlsx 文件。")
    max_cells, max_range = limit_of("CELLS"), limit_of("USED_RANGE_CELLS")
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
            used = seen = 0
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                    seen += len(values)
                    if seen > max_cells:
                        raise _too_big(_("工作表的单元格个数"), "CELLS")
                    if all(is_blank(v) for v in values):
                        continue
                    used += len(values)
                    if used > max_range:
                        raise _too_big(_("工作表的使用范围（行数×列数）"), "USED_RANGE_CELLS")
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
        if "field larger than field limit" in str(exc):
            # The csv module's field_size_limit (131,072 characters unless changed) bounds one
            # cell, so a giant line without separators stops here; the upload cap bounds the rest.
            raise FileProblem(
                _("CSV 第 %(n)d 行的单元格过长（超过 %(max)s 个字符），已拒绝。")
                % {"n": reader.line_num, "max": f"{csv.field_size_limit():,}"}
            )
        raise FileProblem(
            _("CSV 格式错误（第 %(n)d 行）：%(e)s") % {"n": reader.line_num, "e": exc}
        )
    return RawTable(rows, "csv", encoding, truncated)
