"""The xlsx archive before any sheet is parsed: the zip limit checks, the workbook parts, the
shared strings read as a stream within their limits, and the cell-reference helpers.

The limits themselves are in ``tracker.imports.engine.limits``; ``tracker.imports.engine.reading``
opens a workbook through ``_open_xlsx`` and then streams its first sheet.
"""

from __future__ import annotations

import io
import re
import zipfile

from django.utils.translation import gettext as _

from tracker.imports.engine.cells import FileProblem
from tracker.imports.engine.limits import RATIO_MIN_BYTES
from tracker.imports.engine.limits import limit as limit_of

_MB = 1024 * 1024
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


def _too_big(what: str, name: str) -> FileProblem:
    return FileProblem(
        _("%(what)s超过上限（最多 %(max)s），可能是恶意构造的文件，已拒绝。")
        % {"what": what, "max": f"{limit_of(name):,}"}
    )


def _check_archive(archive: zipfile.ZipFile) -> None:
    """Refuse an archive whose directory promises too much, before any member is inflated."""
    infos = archive.infolist()
    if len(infos) > limit_of("ZIP_MEMBERS"):
        raise FileProblem(
            _("Excel 文件内部的部件过多（超过 %(n)d 个），已拒绝。")
            % {"n": limit_of("ZIP_MEMBERS")}
        )
    member_max, total_max, ratio_max = (
        limit_of("MEMBER_BYTES"),
        limit_of("UNCOMPRESSED_BYTES"),
        limit_of("COMPRESSION_RATIO"),
    )
    bomb = _("文件解压后过大（超过 %(mb)d MB），可能是压缩炸弹，已拒绝。")
    total = 0
    for info in infos:
        if info.file_size > member_max:
            raise FileProblem(bomb % {"mb": member_max // _MB})
        total += info.file_size
        if total > total_max:
            raise FileProblem(bomb % {"mb": total_max // _MB})
        if info.file_size > RATIO_MIN_BYTES and info.file_size > ratio_max * max(
            info.compress_size, 1
        ):
            raise FileProblem(
                _("文件压缩比异常（超过 %(r)d 倍），可能是压缩炸弹，已拒绝。") % {"r": ratio_max}
            )


def _shared_strings(archive: zipfile.ZipFile, name: str | None) -> list[str]:
    """The shared strings, read as a stream (expat, 64 KB at a time): reading stops as soon as
    their count or their characters pass the limits, so a 600 MB string is never built."""
    from xml.parsers import expat

    if not name or name not in archive.namelist():
        return []
    max_count, max_chars = limit_of("SHARED_STRINGS"), limit_of("SHARED_STRING_CHARS")
    strings: list[str] = []
    parts: list[str] = []
    state = {"skip": 0, "in_t": 0, "chars": 0}

    def start(tag: str, _attrs: dict) -> None:
        tag = _local(tag)
        if tag == "rPh":
            state["skip"] += 1  # phonetic guide text is not part of the value
        elif tag == "t":
            state["in_t"] += 1

    def end(tag: str) -> None:
        tag = _local(tag)
        if tag == "rPh":
            state["skip"] -= 1
        elif tag == "t":
            state["in_t"] -= 1
        elif tag == "si":
            strings.append("".join(parts))
            parts.clear()
            if len(strings) > max_count:
                raise _too_big(_("共享字符串个数"), "SHARED_STRINGS")

    def text(data: str) -> None:
        if state["in_t"] and not state["skip"]:
            state["chars"] += len(data)
            if state["chars"] > max_chars:
                raise _too_big(_("共享字符串总字符数"), "SHARED_STRING_CHARS")
            parts.append(data)

    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    with archive.open(name) as fh:
        while chunk := fh.read(65536):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    return strings


def _dimension_cells(ref: str) -> int:
    """'A1:Z100' -> 2600 (rows x columns); 0 when unreadable."""
    match = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?", (ref or "").upper())
    if not match:
        return 0
    c1, r1, c2, r2 = match.groups()
    c2, r2 = c2 or c1, r2 or r1
    return (abs(int(r2) - int(r1)) + 1) * (abs(_column_index(c2) - _column_index(c1)) + 1)


def _open_xlsx(data: bytes) -> tuple[zipfile.ZipFile, tuple[str, str | None, bool] | None, list]:
    """Open and check the archive, then read the shared strings within the limits.

    Returns the archive, its parts (None when the workbook cannot be resolved: openpyxl decides)
    and the shared strings. Raises FileProblem for a corrupt archive or a passed limit.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FileProblem(_("无法读取 Excel 文件：文件已损坏，或不是有效的 .xlsx 文件。"))
    _check_archive(archive)
    try:
        parts = _xlsx_parts(archive)
    except Exception:
        parts = None
    names = (
        [parts[1]]
        if parts
        else [n for n in archive.namelist() if n.lower().endswith("sharedstrings.xml")]
    )
    strings: list[str] = []
    for name in names:
        try:
            strings = _shared_strings(archive, name)
        except FileProblem:
            raise
        except Exception:  # malformed XML: openpyxl decides (and reports the file as corrupt)
            parts, strings = None, []
    return archive, parts, strings
