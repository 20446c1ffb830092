"""The monthly report as an A4 PDF (reportlab platypus), Chinese throughout.

``build_report_pdf(figures, meta)`` never queries the database: it draws the rows that
``tracker.reports.figures.report_tables`` makes from the figures, so the page and the PDF agree.
Every page carries the report title and "第 x 页 / 共 y 页"; table headers repeat on every page;
long tables are built in page-sized chunks (one huge reportlab table splits in quadratic time).
Charts are reportlab.graphics drawings: progress per jurisdiction and dispositions per stream.

A package by concern: ``layout`` (sizes, colours, metadata, styles, the numbered canvas),
``tables`` (table flowables), ``drawings`` (charts) and ``document`` (the parts of the document,
``build_report_pdf``). Every name is re-exported here: import from ``tracker.reports.pdf``.
"""

from __future__ import annotations

from tracker.reports.pdf.document import (
    NARRATIVE_SECTIONS,
    _closing,
    _colophon,
    _fill_meta,
    _masthead,
    _narrative,
    _p,
    _rule,
    _section,
    build_report_pdf,
    default_meta,
)
from tracker.reports.pdf.drawings import (
    _bar_chart,
    disposition_charts,
    jurisdiction_charts,
)
from tracker.reports.pdf.layout import (
    BLUE,
    BODY_W,
    CHART_CHUNK,
    GREY,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    RED,
    SERIES,
    ReportMeta,
    _numbered_canvas,
    _Styles,
)
from tracker.reports.pdf.tables import (
    CELL_FONT_SIZE,
    CELL_PADDING,
    CELL_V_PADDING,
    LEADING,
    PagedTable,
    _cell,
    _table_flowables,
    _Wrapper,
)

__all__ = [
    "BLUE",
    "BODY_W",
    "CELL_FONT_SIZE",
    "CELL_PADDING",
    "CELL_V_PADDING",
    "CHART_CHUNK",
    "GREY",
    "LEADING",
    "MARGIN_BOTTOM",
    "MARGIN_TOP",
    "MARGIN_X",
    "NARRATIVE_SECTIONS",
    "PagedTable",
    "RED",
    "ReportMeta",
    "SERIES",
    "_Styles",
    "_Wrapper",
    "_bar_chart",
    "_cell",
    "_closing",
    "_colophon",
    "_fill_meta",
    "_masthead",
    "_narrative",
    "_numbered_canvas",
    "_p",
    "_rule",
    "_section",
    "_table_flowables",
    "build_report_pdf",
    "default_meta",
    "disposition_charts",
    "jurisdiction_charts",
]
