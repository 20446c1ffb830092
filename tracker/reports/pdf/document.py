"""The document: masthead, narrative, sections, closing and colophon, and build_report_pdf."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
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

from tracker.reports.figures import REPORT_LANGUAGE, REPORT_TITLE, ReportTable, report_tables
from tracker.reports.fonts import register_fonts
from tracker.reports.pdf.drawings import (
    disposition_charts,
    jurisdiction_charts,
)
from tracker.reports.pdf.layout import (
    BODY_W,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    RED,
    ReportMeta,
    _numbered_canvas,
    _Styles,
)
from tracker.reports.pdf.tables import (
    _table_flowables,
)


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
        for key in ("lagging", "departments", "withdrawals", "redecisions", "milestones_summary"):
            if key in tables:  # withdrawals and re-decisions: sub-headings under 七
                sub = styles.h2 if key in ("withdrawals", "redecisions") else None
                story += _section(tables[key], styles, sub)
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
