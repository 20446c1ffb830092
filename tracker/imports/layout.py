"""Lists as offices lay them out: merged cells, section rows, sub-item rows, title rows.

``read_table`` (engine) fills merged regions as the reader sees them and keeps the regions;
``Layout`` walks the data rows under the header and says, for each row, whether it is a section
row (its value given to the rows under it), a sub-item of the fee above, or a data row, and
what each data row inherits from its sections, the title and the file-wide defaults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from tracker.imports.engine import (
    CellProblem,
    FileProblem,
    HeaderMap,
    ImportContext,
    KindImporter,
    RawTable,
    alias_index,
    cell_text,
    is_blank,
    match_header,
    normalize_key,
)
from tracker.imports.values import halfwidth

if TYPE_CHECKING:  # pragma: no cover
    from tracker.models import Jurisdiction

CN_NUMERALS = "一二三四五六七八九十百"
LEVEL1 = re.compile(rf"^([{CN_NUMERALS}]+)\s*[、.．,，:：\s]\s*(.*)$")
LEVEL2 = re.compile(rf"^[(（]\s*([{CN_NUMERALS}]+)\s*[)）]\s*[、.．]?\s*(.*)$")
BARE_NUMERAL = re.compile(rf"^[(（]?\s*[{CN_NUMERALS}]+\s*[)）]?\s*[、.．]?$")
SUB_ITEM = re.compile(r"^(?:[(（]\s*\d{1,2}\s*[)）]|\d{1,2}\s*[)）]|[①-⑳]|\d{1,2}-\d{1,2})\s*(.*)$")
COUNT_TAIL = re.compile(r"[(（]\s*(?:共|计)?\s*\d+\s*(?:项|个|条)\s*[)）]\s*$")


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def region_label(region: tuple[int, int, int, int]) -> str:
    r1, c1, r2, c2 = region
    return f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}"


def fill_merged(table: RawTable) -> None:
    """Give every cell of a merged region the value of its top-left cell (as Excel shows it)."""
    if not table.merges:
        return
    index = {number: i for i, (number, _cells) in enumerate(table.rows)}
    for region in table.merges:
        r1, c1, r2, c2 = region
        if r1 not in index:
            continue
        top = table.rows[index[r1]][1]
        value = top[c1] if c1 < len(top) else None
        if is_blank(value):
            continue
        for r in range(r1, r2 + 1):
            if r not in index:
                continue  # a row blank but for the region: not a row of the list
            cells = table.rows[index[r]][1]
            if r not in table.originals:
                table.originals[r] = list(cells)
            for c in range(c1, c2 + 1):
                if (r, c) == (r1, c1):
                    continue
                if c >= len(cells):
                    cells.extend([None] * (c + 1 - len(cells)))
                if is_blank(cells[c]):
                    cells[c] = value
                    table.filled[(r, c)] = (r1, c1)


def check_header_merges(table: RawTable, header: HeaderMap) -> None:
    """A region from the header row into the data rows would copy a column name into the data."""
    problems = [
        region_label(region)
        for region in table.merges
        if region[0] <= header.row_number < region[2]
    ]
    if problems:
        raise FileProblem(
            _(
                "合并单元格 %(cells)s 从表头行（第 %(row)d 行）延伸到数据行：请取消这些单元格的合并"
                "（多行表头请合并为一行）后重新上传。"
            )
            % {"cells": "、".join(problems), "row": header.row_number}
        )


@dataclass
class Section:
    """A section row (一、… / (一)… / a row with only its first cell) and what it gives."""

    number: int
    text: str
    level: int  # 1 for 一、, 2 for (一), 3 for a bare single cell
    numbered: bool
    assigns: dict[str, Any] = field(default_factory=dict)  # column key -> raw value
    label: str = ""  # what it was read as, for the preview
    rows: int = 0  # data rows under it


@dataclass
class LayoutResult:
    sections: list[Section] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)  # {row, column, message}
    footer: list[int] = field(default_factory=list)  # 落款 rows ignored
    title_values: dict[str, Any] = field(default_factory=dict)  # column key -> raw value


def _section_text(cells: list, original: list | None, first_data_pos: int) -> tuple | None:
    """(level, numbered, text) when the row is a section row, else None."""
    source = original if original is not None else cells
    filled = [(pos, v) for pos, v in enumerate(source) if not is_blank(v)]
    if not filled or len(filled) > 2:
        return None
    texts = [halfwidth(cell_text(v)).strip() for _pos, v in filled]
    if len(filled) == 2:
        # '一' in the 序号 column and the section name in the next one.
        if not BARE_NUMERAL.match(texts[0]):
            return None
        level = 2 if texts[0].startswith(("(", "（")) else 1
        return level, True, texts[1]
    pos, value = filled[0]
    text = texts[0]
    if isinstance(value, (int, float)):
        return None
    for level, pattern in ((2, LEVEL2), (1, LEVEL1)):
        match = pattern.match(text)
        if match and match.group(2):
            return level, True, match.group(2)
    if pos <= first_data_pos:
        return 3, False, text
    return None


class Layout:
    """Section rows, sub-item rows and inherited values for the data rows of one file."""

    def __init__(
        self,
        table: RawTable,
        header: HeaderMap,
        importer: KindImporter,
        ctx: ImportContext,
        *,
        defaults: dict[str, Any],
    ):
        self.table = table
        self.header = header
        self.importer = importer
        self.ctx = ctx
        self.defaults = defaults
        self.index = alias_index(importer)
        self.columns = {c.key: c for c in importer.columns}
        positions = [p for k, p in header.positions.items() if self.columns[k].target != "ignore"]
        self.first_data_pos = min(positions) if positions else 0
        self.result = LayoutResult()
        self.result.title_values = self._title_values()
        self.title_pos = header.positions.get(importer.title_column)
        self.sub_col = getattr(importer, "sub_item_column", "")

    # --- title rows ------------------------------------------------------------------------

    def _title_values(self) -> dict[str, Any]:
        """A category named in the title ('2026年甲区行政事业性收费目录') for a column not in the file."""
        text = "".join(
            halfwidth(cell_text(v))
            for _n, cells in self.table.rows[: self.header.row_index]
            for v in cells
            if not is_blank(v)
        )
        found: dict[str, Any] = {}
        if not text:
            return found
        key_text = normalize_key(text)
        for key in getattr(self.importer, "title_columns", ()):
            col = self.columns[key]
            if key in self.header.positions or not col.choices:
                continue
            words = [(str(label), str(label)) for _v, label in col.choices]
            words += [(alias, alias) for alias in col.choice_aliases]
            for word, raw in sorted(words, key=lambda w: len(w[0]), reverse=True):
                if normalize_key(word) in key_text:
                    found[key] = raw
                    break
        return found

    # --- sections --------------------------------------------------------------------------

    def _interpret(self, section: Section) -> None:
        from tracker.imports.engine import PARSERS

        text = COUNT_TAIL.sub("", section.text).strip(" ：:")
        named = re.match(r"^(.{1,20}?)\s*[:：]\s*(.+)$", text)
        if named:
            key = match_header(named.group(1), self.index)
            if key and self.columns[key].target != "ignore":
                section.assigns[key] = named.group(2).strip()
                section.label = f"{self.columns[key].header}＝{named.group(2).strip()}"
                return
        for key in getattr(self.importer, "section_columns", ()):
            col = self.columns[key]
            candidates = [text]
            for tail in ("项目", "类", "部分", "事项"):
                if text.endswith(tail) and len(text) > len(tail) + 1:
                    candidates.append(text[: -len(tail)])
            for candidate in candidates:
                try:
                    PARSERS[col.parser](candidate, col, self.ctx, None)
                except CellProblem:
                    continue
                section.assigns[key] = candidate
                section.label = f"{col.header}＝{candidate}"
                return
        section.label = _("分组（不对应任何列）")

    def walk(self, rows: list[tuple[int, list]]):
        """Yield ('row', number, cells, inherited) and ('sub', number, text, None) in order."""
        open_sections: dict[int, Section] = {}
        pending: list[tuple[int, list]] = []  # single-cell rows not yet known to be sections
        result = self.result
        last_data = None
        for number, cells in rows:
            original = self.table.originals.get(number)
            if self._is_sub_item(number, cells, last_data):
                yield "sub", number, self._sub_text(number, cells), None
                continue
            shape = _section_text(cells, original, self.first_data_pos)
            if shape is not None:
                level, numbered, text = shape
                section = Section(number, text, level, numbered)
                self._interpret(section)
                if not numbered and not section.assigns:
                    pending.append((number, cells))
                    continue
                self._flush_pending(pending, open_sections)
                pending = []
                for lower in [lv for lv in open_sections if lv >= level]:
                    self._close(open_sections.pop(lower))
                open_sections[level] = section
                result.sections.append(section)
                continue
            self._flush_pending(pending, open_sections)
            pending = []
            inherited: dict[str, Any] = {}
            for level in sorted(open_sections, reverse=True):
                section = open_sections[level]
                section.rows += 1
                for key, value in section.assigns.items():
                    inherited.setdefault(key, value)
            # A row's own cell first, then its sections (innermost first), then the file-wide
            # default chosen on the page or the command line, then the title row.
            for key, value in [*self.defaults.items(), *result.title_values.items()]:
                inherited.setdefault(key, value)
            last_data = number
            yield "row", number, cells, inherited
        result.footer = [n for n, _c in pending]  # single-cell lines after the last row: 落款
        for section in open_sections.values():
            self._close(section)

    def _flush_pending(self, pending: list, open_sections: dict[int, Section]) -> None:
        """Single unrecognised cells followed by data rows: a grouping row, or a blank row."""
        for number, cells in pending:
            text = next(cell_text(v) for v in cells if not is_blank(v))
            self.result.errors.append(
                {
                    "row": number,
                    "column": "",
                    "message": _(
                        "本行只有“%(t)s”一项：既不是可识别的分节（如 一、行政事业性收费；（一）某某局），"
                        "也缺少其他必填项。"
                    )
                    % {"t": text[:40]},
                }
            )

    def _close(self, section: Section) -> None:
        if section.rows == 0:
            self.result.errors.append(
                {
                    "row": section.number,
                    "column": "",
                    "message": _("分节“%(t)s”下没有数据行：请删除该行，或在其下填写数据。")
                    % {"t": section.text[:40]},
                }
            )

    # --- sub-items ---------------------------------------------------------------------------

    def _is_sub_item(self, number: int, cells: list, last_data: int | None) -> bool:
        if not self.sub_col or self.title_pos is None:
            return False
        title = cells[self.title_pos] if self.title_pos < len(cells) else None
        origin = self.table.filled.get((number, self.title_pos))
        if origin is not None and last_data is not None and origin[0] <= last_data:
            return True  # the fee's name merged down over its sub-item rows
        if not is_blank(title):
            return False
        first = next((cell_text(v) for v in cells if not is_blank(v)), "")
        return bool(SUB_ITEM.match(halfwidth(first)))

    def _sub_text(self, number: int, cells: list) -> str:
        parts = []
        for key in (self.sub_col, "standard", "amount", "fee_standard"):
            pos = self.header.positions.get(key)
            if pos is not None and pos < len(cells) and not is_blank(cells[pos]):
                if (number, pos) not in self.table.filled:
                    parts.append(cell_text(cells[pos]))
        if not parts:
            first = next((cell_text(v) for v in cells if not is_blank(v)), "")
            parts.append(first)
        text = "：".join(parts)
        match = SUB_ITEM.match(halfwidth(text))
        return (match.group(1) if match and match.group(1) else text).strip()


def title_jurisdiction(table: RawTable, candidates: list[Jurisdiction]) -> Jurisdiction | None:
    """The jurisdiction a title row names (the longest name found), among ``candidates``."""
    text = normalize_key(
        "".join(cell_text(v) for _n, cells in table.rows[:3] for v in cells if not is_blank(v))
    )
    found = [j for j in candidates if j.name and normalize_key(j.name) in text]
    if not found:
        return None
    found.sort(key=lambda j: (len(j.path or ""), len(j.name)), reverse=True)
    return found[0]
