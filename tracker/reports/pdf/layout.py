"""Page layout: sizes and colours, the report's metadata, paragraph styles and the numbered canvas."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdf_canvas

from tracker.reports.fonts import FontSet

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
