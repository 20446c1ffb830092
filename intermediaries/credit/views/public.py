"""Public pages (no login): firm credit disclosure, lists, spot check plans and complaints."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from intermediaries.credit import documents, scoring, selectors, services
from intermediaries.credit import ratelimit as rl
from intermediaries.credit.forms import (
    ComplaintForm,
)
from intermediaries.credit.models import ListType
from intermediaries.credit.views.common import (
    PUBLIC_PER_PAGE,
    _form_errors,
)
from intermediaries.models import IntermediaryFirm
from tracker.imports.exports import file_response
from tracker.models import Jurisdiction

# --- public --------------------------------------------------------------------------------


def _public_place(request: HttpRequest) -> Jurisdiction | None:
    code = request.GET.get("jurisdiction", "").strip()
    if not code:
        return None
    return get_object_or_404(Jurisdiction, code=code)


@require_safe
def public_firms(request: HttpRequest) -> HttpResponse:
    place = _public_place(request)
    day = timezone.localdate()
    page_no = request.GET.get("page", "1")
    page_no = int(page_no) if page_no.isdigit() and int(page_no) > 0 else 1
    rows, total = selectors.public_firm_rows(
        place, day, offset=(page_no - 1) * PUBLIC_PER_PAGE, limit=PUBLIC_PER_PAGE
    )
    pages = max(1, -(-total // PUBLIC_PER_PAGE))
    return render(
        request,
        "credit/public_firms.html",
        {
            "rows": rows,
            "total": total,
            "page_no": page_no,
            "pages": pages,
            "offset": (page_no - 1) * PUBLIC_PER_PAGE,
            "place": place,
            "places": Jurisdiction.objects.order_by("code"),
            "day": day,
            "rule": scoring.rule_in_force(day),
        },
    )


@require_safe
def public_firms_download(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    place = _public_place(request)
    day = timezone.localdate()
    rows, _total = selectors.public_firm_rows(place, day, limit=None)
    name = place.name if place else _("全部地区")
    build = documents.firms_xlsx if fmt == "xlsx" else documents.firms_pdf
    content = build(rows, place=name, edition=day)
    return _download(content, fmt, f"credit-firms-{day.isoformat()}")


def _download(content: bytes, fmt: str, filename: str) -> HttpResponse:
    if fmt == "xlsx":
        return file_response(content, file_format="xlsx", filename=filename)
    types = {"pdf": "application/pdf", "json": "application/json; charset=utf-8"}
    response = HttpResponse(content, content_type=types[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


@require_safe
def public_lists(request: HttpRequest) -> HttpResponse:
    place = _public_place(request)
    list_type = request.GET.get("list", "")
    if list_type not in ("", *ListType.values):
        list_type = ""
    entries = selectors.public_entries(place, list_type)
    fmt = request.GET.get("format", "")
    day = timezone.localdate()
    if fmt in ("xlsx", "pdf"):
        build = documents.entries_xlsx if fmt == "xlsx" else documents.entries_pdf
        content = build(list(entries), place=place.name if place else _("全部地区"), edition=day)
        return _download(content, fmt, f"credit-lists-{day.isoformat()}")
    page = Paginator(entries, PUBLIC_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "credit/public_lists.html",
        {
            "page": page,
            "place": place,
            "places": Jurisdiction.objects.order_by("code"),
            "list_type": list_type,
            "list_types": ListType.choices,
            "day": day,
        },
    )


@require_safe
def joint_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("xlsx", "json"):
        raise Http404
    day = timezone.localdate()
    rows = selectors.joint_punishment_rows(day)
    build = documents.joint_xlsx if fmt == "xlsx" else documents.joint_json
    return _download(build(rows, edition=day), fmt, f"joint-punishment-{day.isoformat()}")


@require_safe
def public_plan(request: HttpRequest, pk: int) -> HttpResponse:
    from intermediaries.credit.models import SpotCheckPlan

    plan = get_object_or_404(SpotCheckPlan.objects.exclude(status="draft"), pk=pk)
    draws = list(plan.draws.select_related("firm").order_by("position"))
    return render(request, "credit/public_plan.html", {"plan": plan, "draws": draws})


def _subject_names() -> list[str]:
    """Names offered in the complaint form: published catalogue entries and registered firms."""
    from tracker.models import CatalogueEdition

    names: set[str] = set()
    for entries in CatalogueEdition.objects.order_by("-published_at").values_list(
        "entries", flat=True
    )[:20]:
        for entry in entries or []:
            if isinstance(entry, dict):
                name = entry.get("name") or entry.get("名称")
                if isinstance(name, str):
                    names.add(name)
    names |= set(IntermediaryFirm.objects.values_list("name", flat=True)[:2000])
    return sorted(names)[:3000]


COMPLAINT_SCOPE = "complaint"


@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    """The public complaint form: size-limited before the body is read, rate-limited per client."""
    status, refusal = 200, ""
    form = ComplaintForm(initial={"jurisdiction": request.GET.get("jurisdiction", "")})
    if request.method == "POST":
        size = int(request.META.get("CONTENT_LENGTH") or 0)
        limit = settings.CREDIT_COMPLAINT_RATE
        if size > settings.CREDIT_COMPLAINT_MAX_BYTES:  # refused before the body is read
            refusal = _(
                "提交内容过大（%(n)d KB），上限为 %(max)d KB，未予接收。请精简后重新提交。"
            ) % {"n": size // 1024, "max": settings.CREDIT_COMPLAINT_MAX_BYTES // 1024}
            status = 413
        elif rl.exhausted(COMPLAINT_SCOPE, request, limit):
            form = ComplaintForm(request.POST)  # the text stays in the form for later
            refusal = _("提交过于频繁：同一来源每小时最多提交 %(n)d 件，请稍后再试。") % {
                "n": limit
            }
            status = 429
        else:
            form = ComplaintForm(request.POST)
            if form.is_valid():
                d = form.cleaned_data
                try:
                    complaint = services.complaint_submit(
                        jurisdiction=d["jurisdiction"],
                        subject_type=d["subject_type"],
                        subject_text=d["subject_text"],
                        description=d["description"],
                        happened_on=d["happened_on"],
                        contact=d["contact"],
                        anonymous=d["anonymous"],
                    )
                except ValidationError as exc:
                    _form_errors(form, exc)
                    status = 400
                else:
                    rl.spend(COMPLAINT_SCOPE, request, settings.CREDIT_COMPLAINT_RATE_WINDOW)
                    return render(request, "credit/complaint_done.html", {"complaint": complaint})
            else:
                status = 400
    return render(
        request,
        "credit/complaint_form.html",
        {"form": form, "names": _subject_names(), "refusal": refusal},
        status=status,
    )


@require_safe
def complaint_status(request: HttpRequest) -> HttpResponse:
    """Status and published reply of one complaint, by its tracking code (nothing else)."""
    code = request.GET.get("code", "")
    complaint = selectors.complaint_by_code(code) if code else None
    return render(
        request,
        "credit/complaint_status.html",
        {"code": code, "complaint": complaint, "searched": bool(code)},
        status=404 if code and complaint is None else 200,
    )
