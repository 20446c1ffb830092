"""Public catalogue pages (no login, read-only) and the admin's publish page.

The public only ever sees published editions (frozen snapshots); earlier editions stay
readable with their change notes.
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


@require_safe
def catalogue_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "tracker/catalogue/index.html",
        {
            "catalogues": [
                (spec, URL_NAMES[key], catalogue.published_jurisdictions(key))
                for key, spec in catalogue.CATALOGUES.items()
            ]
        },
    )


@require_safe
def catalogue_page(request: HttpRequest, kind: str) -> HttpResponse:
    spec = catalogue.spec_for(kind)
    jurisdiction, editions, chosen = _selection(request, kind)
    return render(
        request,
        "tracker/catalogue/page.html",
        {
            "spec": spec,
            "url_name": URL_NAMES[kind],
            "download_name": f"{URL_NAMES[kind]}_download",
            "jurisdiction": jurisdiction,
            "jurisdictions": [] if jurisdiction else catalogue.published_jurisdictions(kind),
            "editions": editions,
            "edition": chosen,
            "headers": catalogue.headers(spec),
            "rows": catalogue.table_rows(spec, chosen.entries) if chosen else [],
        },
    )


@require_safe
def catalogue_download(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    spec = catalogue.spec_for(kind)
    jurisdiction, _editions, edition = _selection(request, kind)
    if edition is None or fmt not in ("pdf", "xlsx"):
        raise Http404
    if not edition_ok_or_alert(edition, by=request.user):
        what = _("目录 %(e)s") % {"e": edition}
        return render(request, "tracker/frozen_refused.html", {"what": what}, status=409)
    rows = [catalogue.headers(spec), *catalogue.table_rows(spec, edition.entries)]
    filename = f"catalogue-{spec.slug}-{jurisdiction.code}-v{edition.number}"
    if fmt == "xlsx":
        content = exports.xlsx_bytes(rows, title=str(spec.title))
        return exports.file_response(content, file_format="xlsx", filename=filename)
    response = HttpResponse(catalogue_pdf(edition, rows), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
    return response


def catalogue_pdf(edition: CatalogueEdition, rows: list[list[str]]) -> bytes:
    """A landscape A4 PDF in Chinese; the table is cut in chunks (one big table is quadratic)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer

    from tracker.reports.fonts import register_font

    font = register_font()
    title_style = ParagraphStyle("t", fontName=font, fontSize=15, leading=20, alignment=1)
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
            % {"n": edition.number, "d": edition.effective_date, "c": len(rows) - 1},
            meta_style,
        ),
        _para(_("修订说明：%(note)s") % {"note": edition.change_note}, meta_style),
        Spacer(1, 3 * mm),
    ]
    story += _tables(rows, width=doc.width, font=font, head=head_style, cell=cell_style)
    doc.build(story)
    return buf.getvalue()


def _para(text: str, style):
    """A PDF paragraph of plain text: escaped, line breaks kept."""
    from reportlab.platypus import Paragraph

    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(escaped.replace("\n", "<br/>"), style)


def _tables(rows: list[list[str]], *, width: float, font: str, head, cell) -> list:
    """The catalogue's table in chunks of 40 rows, each repeating the header row."""
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
        choices=[(k, s.title) for k, s in catalogue.CATALOGUES.items()],
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
                url = reverse(URL_NAMES[kind])
                return redirect(f"{url}?jurisdiction={jurisdiction.code}&edition={edition.number}")
        spec = catalogue.spec_for(kind)
        entries = catalogue.live_entries(kind, jurisdiction)
        latest = catalogue.latest_edition(kind, jurisdiction)
        added, removed, changed = catalogue.diff_entries(latest.entries if latest else [], entries)
        preview = {
            "spec": spec,
            "latest": latest,
            "headers": catalogue.headers(spec),
            "rows": catalogue.table_rows(spec, entries),
            "added": [catalogue.entry_label(e) for e in added],
            "removed": [catalogue.entry_label(e) for e in removed],
            "changed": [catalogue.entry_label(e) for e in changed],
        }
    return render(request, "tracker/catalogue/publish.html", {"form": form, "preview": preview})
