"""Public catalogue pages (no login, read-only) and the admin's publish page.

The public only ever sees published editions (frozen snapshots); earlier editions stay
readable with their change notes. The three fee catalogues share the fee page and its
downloads, told apart by ``?category=`` (administrative, fund, service); without it the page
offers them, and old links (``?jurisdiction=…&edition=…``) still open the single fee
catalogue published before the split.
"""

from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from tracker.cases.forms import DateInput
from tracker.cases.scoping import jurisdictions_for, role_required
from tracker.cases.workflow import Role
from tracker.catalogue import services as catalogue
from tracker.imports import exports
from tracker.models import CatalogueEdition, Jurisdiction
from tracker.reports.integrity import edition_ok_or_alert

URL_NAMES = {"item": "catalogue:items", "fee": "catalogue:fees"}


def _spec_key(request: HttpRequest, kind: str) -> str:
    """The catalogue asked for: the fee catalogues share one page, told apart by ?category=;
    without it, the single fee catalogue published before the split (its old links)."""
    if kind != "fee":
        return kind
    category = request.GET.get("category", "").strip()
    if not category:
        return "fee"
    if category not in catalogue.FEE_CATEGORIES:
        raise Http404
    return catalogue.FEE_CATEGORIES[category]


def _query(spec: catalogue.CatalogueSpec) -> str:
    """The query string's start that names the catalogue on its page and downloads."""
    return f"category={spec.category}&" if spec.category else ""


def _link(spec: catalogue.CatalogueSpec) -> dict:
    return {"spec": spec, "url": reverse(URL_NAMES[spec.case_kind]), "query": _query(spec)}


def _selection(request: HttpRequest, kind: str):
    """The jurisdiction asked for (by code) and the edition to show (latest by default)."""
    code = request.GET.get("jurisdiction", "").strip()
    if not code:
        return None, [], None
    jurisdiction = get_object_or_404(Jurisdiction, code=code)
    editions = catalogue.editions_for(kind, jurisdiction)
    chosen = editions[0] if editions else None
    wanted = request.GET.get("edition", "")
    if wanted:
        if not wanted.isdigit():
            raise Http404
        chosen = next((e for e in editions if e.number == int(wanted)), None)
        if chosen is None:
            raise Http404
    return jurisdiction, editions, chosen


def _listed(spec: catalogue.CatalogueSpec) -> tuple[dict, list[Jurisdiction]] | None:
    """A catalogue as the index lists it; the one before the split only if it was published."""
    jurisdictions = catalogue.published_jurisdictions(spec.key)
    if not spec.publishable and not jurisdictions:
        return None
    return _link(spec), jurisdictions


@require_safe
def catalogue_index(request: HttpRequest) -> HttpResponse:
    listed = [_listed(spec) for spec in catalogue.CATALOGUES.values()]
    return render(request, "tracker/catalogue/index.html", {"catalogues": [c for c in listed if c]})


@require_safe
def catalogue_page(request: HttpRequest, kind: str) -> HttpResponse:
    key = _spec_key(request, kind)
    spec = catalogue.spec_for(key)
    jurisdiction, editions, chosen = _selection(request, key)
    # The fee page without a category offers the catalogues by category (and, where one was
    # published, the single catalogue from before the split).
    choices = []
    if key == "fee" and not chosen:
        choices = [
            c
            for c in (_listed(s) for s in catalogue.CATALOGUES.values() if s.case_kind == "fee")
            if c
        ]
    return render(
        request,
        "tracker/catalogue/page.html",
        {
            "spec": spec,
            "link": _link(spec),
            "download_name": f"{URL_NAMES[kind]}_download",
            "jurisdiction": jurisdiction,
            "jurisdictions": [] if jurisdiction else catalogue.published_jurisdictions(key),
            "choices": choices,
            "split": [
                _link(s) for s in catalogue.publishable_specs() if s.case_kind == spec.case_kind
            ]
            if not spec.publishable
            else [],
            "editions": editions,
            "edition": chosen,
            "sections": catalogue.sections(spec, chosen.entries) if chosen else [],
        },
    )


@require_safe
def catalogue_download(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    key = _spec_key(request, kind)
    spec = catalogue.spec_for(key)
    jurisdiction, _editions, edition = _selection(request, key)
    if edition is None or fmt not in ("pdf", "xlsx"):
        raise Http404
    if not edition_ok_or_alert(edition, by=request.user):
        what = _("目录 %(e)s") % {"e": edition}
        return render(request, "tracker/frozen_refused.html", {"what": what}, status=409)
    sections = catalogue.sections(spec, edition.entries)
    filename = f"catalogue-{spec.slug}-{jurisdiction.code}-v{edition.number}"
    if fmt == "xlsx":
        content = catalogue_xlsx(sections, title=str(spec.title))
        return exports.file_response(content, file_format="xlsx", filename=filename)
    response = HttpResponse(catalogue_pdf(edition, sections), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
    return response


def catalogue_xlsx(sections: list[catalogue.Section], *, title: str) -> bytes:
    """One sheet per list (the first named after the catalogue when it has a single list);
    bold header row, text cells neutralised and stored as text, as every export."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook(write_only=True)
    bold = Font(bold=True)
    for section in sections:
        sheet = workbook.create_sheet(title=(section.title or title)[:31] or "Sheet1")
        for index, row in enumerate([section.headers, *section.rows]):
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=exports.neutralise(exports.plain(value)))
                cell.data_type = "s"  # a leading "=" never becomes a formula
                if index == 0:
                    cell.font = bold
                cells.append(cell)
            sheet.append(cells)
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()


def catalogue_pdf(edition: CatalogueEdition, sections: list[catalogue.Section]) -> bytes:
    """A landscape A4 PDF in Chinese, one table per list; each table is cut in chunks (one
    big table is quadratic)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer

    from tracker.reports.fonts import register_font

    font = register_font()
    title_style = ParagraphStyle("t", fontName=font, fontSize=15, leading=20, alignment=1)
    section_style = ParagraphStyle("s", fontName=font, fontSize=11, leading=15)
    meta_style = ParagraphStyle("m", fontName=font, fontSize=9, leading=12)
    cell_style = ParagraphStyle("c", fontName=font, fontSize=8, leading=10, wordWrap="CJK")
    head_style = ParagraphStyle("h", parent=cell_style, textColor=colors.white)

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=edition.title,
        initialFontName=font,  # every font of the file embedded, none of the base 14
    )
    story = [
        _para(edition.title, title_style),
        Spacer(1, 4 * mm),
        _para(
            _("第 %(n)d 版，生效日期 %(d)s，共 %(c)d 项")
            % {
                "n": edition.number,
                "d": edition.effective_date,
                "c": sum(len(s.rows) for s in sections),
            },
            meta_style,
        ),
        _para(_("修订说明：%(note)s") % {"note": edition.change_note}, meta_style),
        Spacer(1, 3 * mm),
    ]
    for section in sections:
        if section.title:
            story += [_para(section.title, section_style), Spacer(1, 2 * mm)]
        rows = [section.headers, *section.rows]
        story += _tables(rows, width=doc.width, font=font, head=head_style, cell=cell_style)
        story.append(Spacer(1, 4 * mm))
    doc.build(story)
    return buf.getvalue()


def _para(text: str, style):
    """A PDF paragraph of plain text: escaped, line breaks kept."""
    from reportlab.platypus import Paragraph

    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(escaped.replace("\n", "<br/>"), style)


def _tables(rows: list[list[str]], *, width: float, font: str, head, cell) -> list:
    """One list's table in chunks of 40 rows, each repeating the header row."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Table, TableStyle

    ncols = len(rows[0])
    first = 10 * mm
    widths = [first] + [(width - first) / (ncols - 1)] * (ncols - 1)
    header = [_para(h, head) for h in rows[0]]
    body = rows[1:] or [[""] * ncols]
    style = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1f4e8c")),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    tables = []
    for start in range(0, len(body), 40):
        chunk = [[_para(str(v), cell) for v in row] for row in body[start : start + 40]]
        table = Table([header, *chunk], colWidths=widths, repeatRows=1)
        table.setStyle(style)
        tables.append(table)
    return tables


class PublishForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("目录"),
        choices=[(s.key, s.title) for s in catalogue.publishable_specs()],
    )
    jurisdiction = forms.ModelChoiceField(label=gettext_lazy("行政区划"), queryset=None)
    effective_date = forms.DateField(label=gettext_lazy("生效日期"), widget=DateInput())
    title = forms.CharField(label=gettext_lazy("标题（可不填）"), max_length=200, required=False)
    note = forms.CharField(
        label=gettext_lazy("修订说明补充"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = jurisdictions_for(user)
        self.fields["jurisdiction"].initial = user.jurisdiction_id
        self.fields["effective_date"].initial = timezone.localdate()


@login_required
@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def catalogue_publish(request: HttpRequest) -> HttpResponse:
    form = PublishForm(request.POST or request.GET or None, user=request.user)
    preview = None
    if form.is_bound and form.is_valid():
        kind = form.cleaned_data["kind"]
        jurisdiction = form.cleaned_data["jurisdiction"]
        if request.method == "POST":
            try:
                edition = catalogue.catalogue_publish(
                    kind_key=kind,
                    jurisdiction=jurisdiction,
                    by=request.user,
                    effective_date=form.cleaned_data["effective_date"],
                    title=form.cleaned_data["title"],
                    note=form.cleaned_data["note"],
                )
            except (PermissionDenied, ValidationError) as exc:
                form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
            else:
                messages.success(
                    request,
                    _("已发布第 %(n)d 版：%(t)s") % {"n": edition.number, "t": edition.title},
                )
                link = _link(catalogue.spec_for(kind))
                return redirect(
                    f"{link['url']}?{link['query']}jurisdiction={jurisdiction.code}"
                    f"&edition={edition.number}"
                )
        spec = catalogue.spec_for(kind)
        entries = catalogue.live_entries(kind, jurisdiction)
        latest = catalogue.latest_edition(kind, jurisdiction)
        added, removed, changed = catalogue.diff_entries(latest.entries if latest else [], entries)
        preview = {
            "spec": spec,
            "latest": latest,
            "sections": catalogue.sections(spec, entries),
            "added": [catalogue.entry_label(e) for e in added],
            "removed": [catalogue.entry_label(e) for e in removed],
            "changed": [catalogue.entry_label(e) for e in changed],
        }
    return render(request, "tracker/catalogue/publish.html", {"form": form, "preview": preview})
