"""The monthly report as an A4 PDF (reportlab platypus), Chinese throughout.

``build_report_pdf(figures, meta)`` never queries the database: it draws the rows that
``tracker.reports.figures.report_tables`` makes from the figures, so the page and the PDF agree.
Every page carries the report title and "第 x 页 / 共 y 页"; table headers repeat on every page;
long tables are built in page-sized chunks (one huge reportlab table splits in quadratic time).
Charts are reportlab.graphics drawings: progress per jurisdiction and dispositions per stream.
"""

from __future__ import annotations

import datetime
import io
import math
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    HRFlowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from tracker.reports.charts import nice_step
from tracker.reports.figures import REPORT_LANGUAGE, REPORT_TITLE, ReportTable, report_tables
from tracker.reports.fonts import FontSet, register_fonts

PAGE_W, PAGE_H = A4
MARGIN_X = 22 * mm
MARGIN_TOP = 25 * mm
MARGIN_BOTTOM = 18 * mm
BODY_W = PAGE_W - 2 * MARGIN_X
CHART_CHUNK = 24  # jurisdictions per bar chart
BLUE = colors.HexColor("#1f4e8c")
GREY = colors.HexColor("#eef1f5")
SERIES = [colors.HexColor("#9db4d6"), colors.HexColor("#1f4e8c")]


@dataclass
class ReportMeta:
    """What the header, the body's sign-off and the 版记 show (no database access)."""

    jurisdiction_name: str
    month_label: str
    generated_at: str
    generated_by: str
    chain_head: str = ""
    draft: bool = True
    narrative: dict[str, str] = field(default_factory=dict)  # progress / problems / next
    preparer: str = ""
    reviewer: str = ""
    title: str = ""
    office: str = ""  # 发文机关; also the PDF's author
    issue_no: int | None = None  # 期数
    doc_number: str = ""  # 文号
    signer: str = ""  # 签发人
    date_label: str = ""  # 成文日期, e.g. 2026年12月3日
    send_to: str = ""  # 报送
    copy_to: str = ""  # 抄送
    correction: str = ""  # for a correction: which issue it replaces and why
    created: datetime.datetime | None = None  # the PDF's creation date (now by default)


RED = colors.HexColor("#c8161d")


class _Styles:
    def __init__(self, fonts: FontSet | str):
        if isinstance(fonts, str):
            fonts = FontSet(title=fonts, heading=fonts, body=fonts)
        self.fonts = fonts
        self.font = fonts.body
        base = {"fontName": fonts.body, "wordWrap": "CJK", "leading": 14, "fontSize": 10}
        self.body = ParagraphStyle(
            "body", **{**base, "fontSize": 12, "leading": 21, "firstLineIndent": 24}
        )
        self.plain = ParagraphStyle("plain", **{**base, "fontSize": 11, "leading": 18})
        self.cell = ParagraphStyle("cell", **{**base, "fontSize": 8, "leading": 10})
        heading = {**base, "fontName": fonts.heading}
        self.h1 = ParagraphStyle(
            "h1", **{**heading, "fontSize": 14, "leading": 22, "spaceBefore": 8, "spaceAfter": 4}
        )
        self.h2 = ParagraphStyle(
            "h2", **{**base, "fontSize": 11.5, "leading": 18, "spaceBefore": 6, "spaceAfter": 3}
        )
        self.title = ParagraphStyle(
            "title",
            **{
                **base,
                "fontName": fonts.title,
                "fontSize": 20,
                "leading": 30,
                "alignment": TA_CENTER,
            },
        )
        self.masthead = ParagraphStyle(
            "masthead",
            **{
                **base,
                "fontName": fonts.title,
                "fontSize": 30,
                "leading": 40,
                "alignment": TA_CENTER,
                "textColor": RED,
            },
        )
        self.office = ParagraphStyle(
            "office",
            **{**heading, "fontSize": 15, "leading": 22, "alignment": TA_CENTER, "textColor": RED},
        )
        self.centre = ParagraphStyle(
            "centre", **{**base, "fontSize": 12, "leading": 20, "alignment": TA_CENTER}
        )
        self.right = ParagraphStyle(
            "right", **{**base, "fontSize": 12, "leading": 20, "alignment": TA_RIGHT}
        )
        self.small = ParagraphStyle("small", **{**base, "fontSize": 8, "leading": 11})
        self.colophon = ParagraphStyle("colophon", **{**base, "fontSize": 11, "leading": 18})


def _numbered_canvas(meta: ReportMeta, font: str):
    """A canvas that writes "第 x 页 / 共 y 页" once the page count is known, the running header
    from page 2 on, a diagonal 草稿 watermark on every page of a draft, and the true creation
    date (issue time or now) in the PDF's metadata."""
    header = f"{meta.title}　{meta.jurisdiction_name}　{meta.month_label}"
    page_text = _("第 %(n)d 页 / 共 %(total)d 页")
    watermark = _("草稿")
    created = meta.created or timezone.now()
    local = timezone.localtime(created) if timezone.is_aware(created) else created
    offset = local.utcoffset() or datetime.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    stamp = f"D:{local:%Y%m%d%H%M%S}{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}'"

    class NumberedCanvas(pdf_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            # Never a non-embedded base-14 font, not even in the page preamble (the doc
            # template passes initialFontName=None explicitly).
            kwargs["initialFontName"] = kwargs.get("initialFontName") or font
            super().__init__(*args, **kwargs)
            self._saved: list[dict] = []
            self.setDateFormatter(lambda *_parts: stamp)

        def showPage(self):  # reportlab API name
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved)
            for state in self._saved:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            self.saveState()
            if meta.draft:
                self.setFillColor(colors.Color(0.8, 0.1, 0.1, alpha=0.13))
                self.setFont(font, 120)
                self.translate(PAGE_W / 2, PAGE_H / 2)
                self.rotate(45)
                self.drawCentredString(0, -40, watermark)
                self.rotate(-45)
                self.translate(-PAGE_W / 2, -PAGE_H / 2)
            self.setFont(font, 8)
            self.setFillColor(colors.HexColor("#555555"))
            if self._pageNumber > 1:
                self.drawString(MARGIN_X, PAGE_H - 12 * mm, header)
                self.setStrokeColor(colors.HexColor("#bbbbbb"))
                self.line(MARGIN_X, PAGE_H - 13.5 * mm, PAGE_W - MARGIN_X, PAGE_H - 13.5 * mm)
            self.drawCentredString(
                PAGE_W / 2, 10 * mm, page_text % {"n": self._pageNumber, "total": total}
            )
            self.restoreState()

    return NumberedCanvas


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


def _bar_chart(
    labels: list[str], series: list[list[int]], names: list[str], font: str, title: str
) -> Drawing:
    """A horizontal bar chart (one bar per series per label) with a legend."""
    n = max(len(labels), 1)
    bar_h = 7 if len(series) > 1 else 9
    plot_h = n * (bar_h * len(series) + 6)
    label_w = min(190, 40 + 9 * max((len(lbl) for lbl in labels), default=4))
    height = plot_h + 50
    drawing = Drawing(BODY_W, height)
    drawing.initialFontName = font  # the renderer's opening state: not base-14 Helvetica
    drawing.add(String(0, height - 12, title, fontName=font, fontSize=9))
    chart = HorizontalBarChart()
    chart.x = label_w
    chart.y = 22
    chart.width = BODY_W - label_w - 20
    chart.height = plot_h
    # Draw the first label at the top: reportlab lays categories out bottom-up.
    chart.data = [list(reversed(s)) or [0] for s in series]
    chart.categoryAxis.categoryNames = list(reversed(labels)) or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.valueAxis.valueMin = 0
    top = max((max(s) for s in series if s), default=0)
    step = nice_step(top)
    chart.valueAxis.valueMax = step * (math.ceil(top / step) + (1 if top % step == 0 else 0))
    chart.valueAxis.valueStep = step
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = "%d"
    chart.barWidth = bar_h
    chart.groupSpacing = 6
    chart.barSpacing = 0
    for i in range(len(series)):
        chart.bars[i].fillColor = SERIES[i % len(SERIES)]
        chart.bars[i].strokeColor = None
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 6
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 2
    drawing.add(chart)
    if len(series) > 1:
        legend = Legend()
        legend.x = label_w
        legend.y = 8
        legend.fontName = font
        legend.fontSize = 7
        legend.alignment = "right"
        legend.columnMaximum = 1
        legend.deltax = 70
        legend.dx = 8
        legend.dy = 6
        legend.colorNamePairs = [(SERIES[i % len(SERIES)], names[i]) for i in range(len(series))]
        drawing.add(legend)
    return drawing


def jurisdiction_charts(figures: dict, font: str) -> list[Drawing]:
    rows = figures["jurisdictions"]["rows"]
    out = []
    for start in range(0, max(len(rows), 1), CHART_CHUNK):
        part = rows[start : start + CHART_CHUNK]
        out.append(
            _bar_chart(
                [r["label"] for r in part],
                [[r["target"] for r in part], [r["cumulative"] for r in part]],
                [_("目标数"), _("累计完成")],
                font,
                _("图1 各地区进展（目标数与累计完成）")
                + (f" ({start // CHART_CHUNK + 1})" if len(rows) > CHART_CHUNK else ""),
            )
        )
    return out


def disposition_charts(figures: dict, font: str) -> list[Drawing]:
    out = []
    for s in figures["streams"]:
        items = s["dispositions"]
        out.append(
            _bar_chart(
                [d["label"] for d in items],
                [[d["count"] for d in items]],
                [_("事项数")],
                font,
                _("图2-%(k)s %(l)s：处理决定分布") % {"k": s["key"], "l": s["label"]},
            )
        )
    return out


def _p(text: str, style) -> Paragraph:
    return Paragraph(escape(text), style)


def _rule(color=RED, width: float = 1.6) -> Flowable:
    return HRFlowable(width="100%", thickness=width, color=color, spaceBefore=2, spaceAfter=2)


def _masthead(figures: dict, meta: ReportMeta, styles: _Styles) -> list:
    """版头: 发文机关标志 in red, 期数, 文号 and 签发人, the red separator; then the title."""
    issue = (
        _("第%(n)d期") % {"n": meta.issue_no} if meta.issue_no else _("第　期（草稿，印发时编号）")
    )
    left = meta.doc_number or ""
    right = _("签发人：%(s)s") % {"s": meta.signer} if meta.signer else _("签发人：（未签发）")
    row = Table(
        [[_p(left, styles.plain), _p(right, styles.plain)]],
        colWidths=[BODY_W / 2, BODY_W / 2],
        style=TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), styles.fonts.body),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        ),
    )
    story: list = [
        Spacer(1, 6 * mm),
        _p(meta.office, styles.office),
        _p(_("工作进展情况通报"), styles.masthead),
        Spacer(1, 2 * mm),
        _p(issue, styles.centre),
        row,
        _rule(),
        Spacer(1, 6 * mm),
        _p(
            _("%(place)s%(month)s中介服务和收费清理工作进展情况")
            % {"place": meta.jurisdiction_name, "month": meta.month_label},
            styles.title,
        ),
        Spacer(1, 2 * mm),
        _p(
            _("（统计截至 %(d)s 24 时，以历史记录为准）") % {"d": figures["period"]["end"]},
            styles.centre,
        ),
    ]
    if meta.correction:
        story.append(_p(meta.correction, styles.plain))
    story.append(Spacer(1, 4 * mm))
    return story


NARRATIVE_SECTIONS = (
    ("progress", gettext_lazy("一、工作进展")),
    ("problems", gettext_lazy("二、存在问题")),
    ("next", gettext_lazy("三、下一步工作")),
)


def _narrative(meta: ReportMeta, styles: _Styles) -> list:
    story: list = []
    for key, label in NARRATIVE_SECTIONS:
        story.append(_p(str(label), styles.h1))
        text = (meta.narrative.get(key) or "").strip() or _("（未填写）")
        for para in text.splitlines():
            if para.strip():
                story.append(_p(para.strip(), styles.body))
    return story


def _section(table: ReportTable, styles: _Styles, heading=None) -> list:
    heading = heading or styles.h1
    return [CondPageBreak(40 * mm), _p(table.title, heading)] + _table_flowables(table, styles)


def _closing(meta: ReportMeta, styles: _Styles) -> list:
    """落款 (office and date) and the sign-off names, after the body."""
    story: list = [
        Spacer(1, 8 * mm),
        _p(
            _("填报人：%(p)s　　审核人：%(r)s")
            % {"p": meta.preparer or "____", "r": meta.reviewer or "____"},
            styles.plain,
        ),
        Spacer(1, 6 * mm),
        _p(meta.office, styles.right),
        _p(meta.date_label, styles.right),
    ]
    if meta.chain_head:
        story.append(_p(_("审计链头哈希：%(h)s") % {"h": meta.chain_head}, styles.small))
    return story


def _colophon(meta: ReportMeta, styles: _Styles) -> list:
    """版记: 报送, 抄送 and the printing line between rules, at the end of the document."""
    lines = [
        _("报送：%(v)s") % {"v": meta.send_to or "—"},
        _("抄送：%(v)s") % {"v": meta.copy_to or "—"},
    ]
    printed = _("%(o)s　　%(d)s印发") % {"o": meta.office, "d": meta.date_label}
    story: list = [CondPageBreak(45 * mm), Spacer(1, 10 * mm), _rule(colors.black, 1)]
    for line in lines:
        story += [_p(line, styles.colophon), _rule(colors.black, 0.5)]
    story += [_p(printed, styles.colophon), _rule(colors.black, 1)]
    return story


def default_meta(figures: dict) -> ReportMeta:
    """Header values when the caller has none (a draft with no narrative, e.g. a benchmark)."""
    year, month = (int(p) for p in figures["month"].split("-"))
    now = timezone.localtime()
    return ReportMeta(
        jurisdiction_name=figures["jurisdiction"]["name"],
        month_label=_("%(y)d年%(m)d月") % {"y": year, "m": month},
        generated_at=f"{now:%Y-%m-%d %H:%M}",
        generated_by="—",
        draft=True,
    )


def _fill_meta(meta: ReportMeta, figures: dict) -> ReportMeta:
    meta.title = meta.title or str(REPORT_TITLE)
    meta.office = meta.office or _("%(n)s推进职能转变协调小组办公室") % {
        "n": figures["jurisdiction"]["name"]
    }
    meta.created = meta.created or timezone.now()
    if not meta.date_label:
        local = timezone.localtime(meta.created)
        meta.date_label = _("%(y)d年%(m)d月%(d)d日") % {
            "y": local.year,
            "m": local.month,
            "d": local.day,
        }
    return meta


def build_report_pdf(figures: dict, meta: ReportMeta | None = None) -> bytes:
    """Render the report; raises ImproperlyConfigured when the configured font cannot be used.

    Order (GB/T 9704 as reform offices use it for 工作进展情况通报): the masthead, the
    narrative (一 to 三), the figures (四 to 八: headline figures with 环比, tables, charts,
    places with completion rate, 序时进度 gap and rank, lagging places, departments, milestones
    due next month), the 落款, the annexes (附件1 overdue list, 附件2 milestones due next
    month), and the 版记 (报送/抄送) at the end.
    """
    fonts = register_fonts()
    with translation.override(REPORT_LANGUAGE):
        meta = _fill_meta(meta or default_meta(figures), figures)
        styles = _Styles(fonts)
        tables = {t.key: t for t in report_tables(figures)}
        story: list = _masthead(figures, meta, styles) + _narrative(meta, styles)
        if "headline" in tables:
            story += _section(tables["headline"], styles)
        story += _section(tables["summary"], styles, styles.h2)
        for s in figures["streams"]:
            story += _section(tables[f"stream_{s['key']}"], styles, styles.h2)
        story += [CondPageBreak(60 * mm), _p(_("（二）图表"), styles.h2)]
        for drawing in jurisdiction_charts(figures, fonts.body):
            story += [drawing, Spacer(1, 4 * mm)]
        for drawing in disposition_charts(figures, fonts.body):
            story.append(KeepTogether([drawing, Spacer(1, 3 * mm)]))
        story += _section(tables["jurisdictions"], styles)
        story += _section(tables["jurisdiction_streams"], styles, styles.h2)
        for key in ("lagging", "departments", "milestones_summary"):
            story += _section(tables[key], styles)
        story += _closing(meta, styles)
        for number, key in ((1, "overdue"), (2, "milestones")):
            title = tables[key].title.split("　", 1)[-1]
            story += [
                PageBreak(),
                _p(_("附件%(n)d") % {"n": number}, styles.h1),
                _p(title, styles.title),
                Spacer(1, 3 * mm),
            ]
            story += _table_flowables(tables[key], styles)
        story += _colophon(meta, styles)
        buf = io.BytesIO()
        doc = SimpleDocTemplate(
            buf,
            pagesize=A4,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=f"{meta.title} {meta.jurisdiction_name} {meta.month_label}",
            author=meta.office,
            subject=_("%(place)s%(month)s工作进展情况通报")
            % {"place": meta.jurisdiction_name, "month": meta.month_label},
            creator=str(REPORT_TITLE),
            invariant=1,
        )
        doc.build(story, canvasmaker=_numbered_canvas(meta, fonts.body))
        return buf.getvalue()
