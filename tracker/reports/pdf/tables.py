"""Report tables as flowables: wrapped cells and page-sized table chunks with repeated headers."""

from __future__ import annotations

from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    Paragraph,
    Table,
    TableStyle,
)

from tracker.reports.figures import ReportTable
from tracker.reports.pdf.layout import (
    BODY_W,
    GREY,
    _Styles,
)

CELL_FONT_SIZE = 8
CELL_PADDING = 6  # left + right padding of a table cell


class _Wrapper:
    """Greedy line breaking by character width: plain strings are far cheaper than Paragraphs.

    CJK text may break between any two characters; Latin text (references, numbers) breaks
    where the column ends. Character widths are cached per font.
    """

    def __init__(self, font: str, size: float = CELL_FONT_SIZE):
        self.font, self.size = font, size
        self.widths: dict[str, float] = {}

    def width(self, text: str) -> float:
        return stringWidth(text, self.font, self.size)

    def wrap(self, text: str, width: float) -> str:
        if self.width(text) <= width:
            return text
        lines: list[str] = []
        for paragraph in text.splitlines() or [""]:
            line, used = [], 0.0
            for ch in paragraph:
                w = self.widths.get(ch)
                if w is None:
                    w = self.widths[ch] = stringWidth(ch, self.font, self.size)
                if line and used + w > width:
                    lines.append("".join(line))
                    line, used = [], 0.0
                line.append(ch)
                used += w
            lines.append("".join(line))
        return "\n".join(lines)


def _cell(value, width: float, wrapper: _Wrapper) -> str:
    text = "" if value is None else str(value)
    return wrapper.wrap(text, width - CELL_PADDING)


CELL_V_PADDING = 2  # top and bottom padding of a table cell
LEADING = CELL_FONT_SIZE + 2


class PagedTable(Flowable):
    """A long table laid out one page at a time: each page gets its own reportlab Table of the
    rows that fit, headed by the header row, so headers repeat on every page and never appear
    mid-page. Row heights are known in advance (plain wrapped strings) and the rows are shared
    between the pieces (an offset, no copies), so laying out n rows costs O(n); one huge
    reportlab Table would split in quadratic time.
    """

    def __init__(self, header, rows, col_widths, commands, *, has_total: bool, _state=None):
        super().__init__()
        self.header, self.rows = header, rows
        self.col_widths, self.commands = col_widths, commands
        self.has_total = has_total
        if _state is None:
            heights = [self._height(r) for r in rows]
            _state = (self._height(header), heights, 0, sum(heights))
        self.header_h, self.heights, self.start, self.body_h = _state
        self.width = sum(col_widths)
        self.height = self.header_h + self.body_h
        self.hAlign = "LEFT"

    @staticmethod
    def _height(row) -> float:
        lines = max(str(v).count("\n") for v in row) + 1 if row else 1
        return lines * LEADING + 2 * CELL_V_PADDING

    def _table(self, start: int, stop: int) -> Table:
        commands = list(self.commands)
        if self.has_total and stop == len(self.rows):
            commands.append(("BACKGROUND", (0, -1), (-1, -1), GREY))
        return Table(
            [self.header, *self.rows[start:stop]],
            colWidths=self.col_widths,
            rowHeights=[self.header_h, *self.heights[start:stop]],
            style=TableStyle(commands),
            hAlign="LEFT",
        )

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def split(self, avail_width, avail_height):
        used, stop = self.header_h, self.start
        while stop < len(self.rows) and used + self.heights[stop] <= avail_height:
            used += self.heights[stop]
            stop += 1
        if stop == self.start:
            return []  # not even one row fits: the frame moves on to the next page
        rest = PagedTable(
            self.header,
            self.rows,
            self.col_widths,
            self.commands,
            has_total=self.has_total,
            _state=(self.header_h, self.heights, stop, self.body_h - (used - self.header_h)),
        )
        return [self._table(self.start, stop), rest]

    def draw(self):
        # Everything left fits where it is (at most a page): one reportlab Table.
        table = self._table(self.start, len(self.rows))
        table.wrap(self.width, self.height)
        table.drawOn(self.canv, 0, 0)

    @property
    def remaining(self) -> int:
        return len(self.rows) - self.start


def _table_flowables(table: ReportTable, styles: _Styles) -> list:
    """The table as a PagedTable (page-sized Tables with the header on every page)."""
    total_w = sum(table.widths)
    col_widths = [BODY_W * w / total_w for w in table.widths]
    wrapper = _Wrapper(styles.font)
    rows = [[_cell(v, col_widths[i], wrapper) for i, v in enumerate(r)] for r in table.shown_rows]
    if table.total is not None:
        rows.append([_cell(v, col_widths[i], wrapper) for i, v in enumerate(table.total)])
    if not rows:
        return [Paragraph(escape(_("（无）")), styles.body)]
    header = [_cell(h, col_widths[i], wrapper) for i, h in enumerate(table.headers)]
    commands = [
        ("FONTNAME", (0, 0), (-1, -1), styles.font),
        ("FONTSIZE", (0, 0), (-1, -1), CELL_FONT_SIZE),
        ("LEADING", (0, 0), (-1, -1), LEADING),
        ("BACKGROUND", (0, 0), (-1, 0), GREY),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa3ad")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), CELL_V_PADDING),
        ("BOTTOMPADDING", (0, 0), (-1, -1), CELL_V_PADDING),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING / 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING / 2),
    ]
    for i, numeric in enumerate(table.numeric):
        if numeric:
            commands.append(("ALIGN", (i, 1), (i, -1), "RIGHT"))
    out: list = [PagedTable(header, rows, col_widths, commands, has_total=table.total is not None)]
    if table.truncated:
        out.append(Paragraph(escape(table.truncated_note), styles.cell))
    return out
