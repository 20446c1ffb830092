"""The header row: which file column holds which importer column."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from tracker.imports.engine.cells import (
    HEADER_SCAN_ROWS,
    NOTE_PREFIXES,
    FileProblem,
    is_blank,
    normalize_header,
    strip_parenthetical,
)

if TYPE_CHECKING:  # pragma: no cover
    from tracker.imports.engine.columns import KindImporter
    from tracker.imports.engine.reading import RawTable


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
