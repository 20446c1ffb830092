"""Audit pages: the global audit log and its exports, the read log, version compare, and the
inspector workspace (inspection notes, flags, review markers, "changed since my last review").

Inspectors write only workspace rows here; case data is never changed by these views.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tracker.audit import selectors as inspection_selectors
from tracker.audit import services as inspection_services
from tracker.audit import timeline
from tracker.audit.chain import chain_head
from tracker.audit.forms import (
    AccessLogFilterForm,
    AuditFilterForm,
    FlagForm,
    FlagResolveForm,
    InspectionNoteForm,
    ReviewMarkForm,
)
from tracker.audit.selectors import AUDITORS
from tracker.cases import selectors
from tracker.cases.registry import get_kind
from tracker.cases.scoping import READERS, role_required
from tracker.cases.workflow import Role
from tracker.imports.exports import neutralise
from tracker.models import AccessLog, AuditVerification, Case, CaseFlag
from tracker.web.pagination import page_of

PER_PAGE = 50
EXPORT_MAX_ROWS = 100_000
EXPORT_FORMATS = ("csv", "xlsx")


def _invalid_filters_message(request: HttpRequest, form) -> None:
    labels = "、".join(str(form.fields[name].label) for name in form.errors if name in form.fields)
    messages.error(
        request,
        _("筛选条件有误（%(fields)s），已忽略这些条件，请检查后重新筛选。")
        % {"fields": labels or _("日期范围")},
    )


def _bound_filters(request: HttpRequest):
    """The audit filter form bound to the query string, and whether every filter was valid."""
    data = request.GET.copy()
    data.pop("page", None)
    data.pop("format", None)
    form = AuditFilterForm(data or None, viewer=request.user)
    valid = True
    if form.is_bound and not form.is_valid():
        valid = False
        # A date range error names no single field: drop both dates.
        if "__all__" in form.errors or "date_to" in form.errors:
            form.cleaned_data.pop("date_from", None)
            form.cleaned_data.pop("date_to", None)
    return form, valid


def _personal_references(entries: list[timeline.TimelineEntry]) -> list[str]:
    refs = []
    for e in entries:
        if e.case is not None and get_kind(e.case.kind).personal and e.case.reference not in refs:
            refs.append(e.case.reference)
    return refs


@login_required
@role_required(*AUDITORS)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    form, valid = _bound_filters(request)
    if not valid:
        _invalid_filters_message(request, form)
    result = timeline.audit_log(
        request.user, form.filters(), page=request.GET.get("page", 1), per_page=PER_PAGE
    )
    personal = _personal_references(result.entries)
    if personal:  # the page shows officials' personal records
        inspection_services.access_log_record(
            user=request.user,
            action=AccessLog.Action.VIEW,
            target="audit_log",
            query=f"{request.GET.urlencode()} cases={','.join(personal)}",
            row_count=len(result.entries),
        )
    seq, head_hash = chain_head()
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tracker/audit/log.html",
        {
            "form": form,
            "result": result,
            "query": query.urlencode(),
            "head_seq": seq,
            "head_hash": head_hash,
            "verification": AuditVerification.objects.order_by("-ran_at", "-id").first(),
        },
    )


EXPORT_HEADER = [
    gettext_lazy("记录时间"),
    gettext_lazy("操作人"),
    gettext_lazy("操作"),
    gettext_lazy("对象"),
    gettext_lazy("事项编号"),
    gettext_lazy("事项名称"),
    gettext_lazy("类别"),
    gettext_lazy("行政区划"),
    gettext_lazy("责任部门"),
    gettext_lazy("原因"),
    gettext_lazy("生效日期"),
    gettext_lazy("变更内容"),
    gettext_lazy("来源"),
    gettext_lazy("历史记录号"),
]


def _cell(value) -> str:
    """Text for a spreadsheet cell, neutralised against formula injection."""
    return neutralise("" if value is None else str(value))


def _export_row(e: timeline.TimelineEntry) -> list[str]:
    case = e.case
    return [
        _cell(v)
        for v in (
            timezone.localtime(e.when).strftime("%Y-%m-%d %H:%M:%S"),
            e.user or "",
            e.action_label,
            e.object_label,
            case.reference if case else "",
            case.title if case else "",
            get_kind(case.kind).label if case else "",
            case.jurisdiction if case else "",
            (case.department or "") if case else "",
            e.reason,
            e.effective_date.isoformat() if e.effective_date else "",
            e.changes_text(),
            e.source,
            e.history_id,
        )
    ]


def _csv_stream(header: list[str], rows: Iterator[timeline.TimelineEntry]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return value

    writer.writerow(header)
    yield "\ufeff" + flush()  # BOM: spreadsheet programs then read the Chinese correctly
    for n, entry in enumerate(rows, start=1):
        writer.writerow(_export_row(entry))
        if n % 500 == 0:
            yield flush()
    yield flush()


def _xlsx_bytes(rows: Iterator[timeline.TimelineEntry]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("审计日志"))
    sheet.append([str(h) for h in EXPORT_HEADER])
    for entry in rows:
        sheet.append(_export_row(entry))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@login_required
@role_required(*AUDITORS)
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    back = (
        reverse("audit:log")
        + "?"
        + urlencode([(k, v) for k, v in request.GET.items() if k not in ("format", "page")])
    )
    fmt = request.GET.get("format", "csv")
    if fmt not in EXPORT_FORMATS:
        messages.error(
            request, _("不支持的导出格式“%(f)s”，请选择 CSV 或 XLSX。") % {"f": fmt[:10]}
        )
        return redirect(back)
    form, valid = _bound_filters(request)
    if not valid:  # never export more than the user asked for
        _invalid_filters_message(request, form)
        messages.error(request, _("筛选条件有误，未导出。"))
        return redirect(back)
    try:
        count, rows = timeline.audit_rows(request.user, form.filters(), limit=EXPORT_MAX_ROWS)
    except timeline.TimelineError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    query = request.GET.copy()
    query.pop("format", None)
    inspection_services.access_log_record(
        user=request.user,
        action=AccessLog.Action.EXPORT,
        target="audit_log",
        query=query.urlencode(),
        file_format=fmt,
        row_count=count,
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        header = [str(h) for h in EXPORT_HEADER]  # translated now, not when streamed
        response = StreamingHttpResponse(
            _csv_stream(header, rows), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            _xlsx_bytes(rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.{fmt}"'
    return response


@login_required
@role_required(*AUDITORS)
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    data.pop("page", None)
    form = AccessLogFilterForm(data or None, viewer=request.user)
    if form.is_bound and not form.is_valid():
        _invalid_filters_message(request, form)
    page = page_of(
        inspection_selectors.access_log(request.user, form.filters()),
        request.GET,
        per_page=PER_PAGE,
    )
    return render(
        request,
        "tracker/audit/access_log.html",
        {"form": form, "page": page, "query": data.urlencode()},
    )


@login_required
@role_required(Role.INSPECTOR)
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    page = page_of(timeline.review_queue(request.user), request.GET, per_page=PER_PAGE)
    return render(request, "tracker/audit/review_list.html", {"page": page})


@login_required
@role_required(*AUDITORS)
@require_GET
def flag_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", CaseFlag.State.OPEN)
    if state not in ("", *CaseFlag.State.values):
        messages.error(request, _("未知的标记状态“%(s)s”，已显示全部标记。") % {"s": state[:20]})
        state = ""
    page = page_of(
        inspection_selectors.flags_in_scope(request.user, state), request.GET, per_page=PER_PAGE
    )
    return render(
        request,
        "tracker/audit/flag_list.html",
        {"page": page, "state": state, "states": CaseFlag.State.choices},
    )


# --- compare two versions ----------------------------------------------------------------


def _version(case: Case, token: str):
    """(label info, state) for a point token, or for "now"."""
    if token in ("", "now"):
        at = timezone.now()
        return None, at, timeline.case_state_as_of(case, at)
    point = timeline.resolve_point(case, token)
    return point, point.when, timeline.case_state_as_of(case, point.when)


@login_required
@role_required(*READERS)
@require_GET
def case_compare(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for_request(request, reference)
    context = {"case": case, "sections": None, "error": ""}
    if "a" not in request.GET:
        return render(request, "tracker/audit/compare.html", context)
    try:
        a = _version(case, request.GET.get("a", ""))
        b = _version(case, request.GET.get("b", "now"))
    except timeline.TimelineError as exc:
        context["error"] = str(exc)
        return render(request, "tracker/audit/compare.html", context, status=400)
    if a[1] > b[1]:
        a, b = b, a
    sections = timeline.compare_states(a[2], b[2])
    context.update(
        {
            "sections": sections,
            "a_point": a[0],
            "a_at": a[1],
            "b_point": b[0],
            "b_at": b[1],
            "changed_total": sum(s.changed_count for s in sections),
        }
    )
    return render(request, "tracker/audit/compare.html", context)


# --- the inspector workspace -------------------------------------------------------------


def _back_to_case(case: Case) -> HttpResponse:
    return redirect(reverse("tracker:case_detail", args=[case.reference]) + "#inspection")


def _form_error(request: HttpRequest, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@login_required
@role_required(Role.INSPECTOR)
@require_POST
def inspection_note_add(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for_request(request, reference)
    form = InspectionNoteForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return _back_to_case(case)
    try:
        inspection_services.inspection_note_add(
            case=case, by=request.user, text=form.cleaned_data["text"]
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("检查意见已添加。"))
    return _back_to_case(case)


@login_required
@role_required(Role.INSPECTOR)
@require_POST
def flag_raise(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for_request(request, reference)
    form = FlagForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return _back_to_case(case)
    try:
        inspection_services.case_flag_raise(
            case=case,
            by=request.user,
            flag_type=form.cleaned_data["flag_type"],
            description=form.cleaned_data["description"],
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("检查标记已提出。"))
    return _back_to_case(case)


@login_required
@role_required(Role.INSPECTOR)
@require_POST
def flag_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    cases = Case.objects.restrict(request.user)
    flag = get_object_or_404(CaseFlag.objects.select_related("case").filter(case__in=cases), pk=pk)
    case = flag.case
    form = FlagResolveForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return _back_to_case(case)
    try:
        inspection_services.case_flag_resolve(
            flag=flag, by=request.user, resolution=form.cleaned_data["resolution"]
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("检查标记已处理。"))
    return _back_to_case(case)


@login_required
@role_required(Role.INSPECTOR)
@require_POST
def review_mark(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for_request(request, reference)
    form = ReviewMarkForm(request.POST)
    token = form.data.get("point", "").strip() if form.is_valid() else ""
    next_url = request.POST.get("next", "")
    back = (
        redirect(reverse("tracker:case_history", args=[case.reference]))
        if next_url == "history"
        else _back_to_case(case)
    )
    try:
        up_to = timeline.resolve_point(case, token).when if token else None
        marker = inspection_services.review_mark(case=case, by=request.user, up_to=up_to)
    except (timeline.TimelineError, ValidationError) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(
            request,
            _("已标记：审阅至 %(t)s。")
            % {"t": timezone.localtime(marker.reviewed_up_to).strftime("%Y-%m-%d %H:%M:%S")},
        )
    return back
