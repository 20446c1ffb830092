"""Monthly report pages: list, draft, HTML view, narrative, preview, issue, downloads.

Reform admins draft and issue; every role reads and downloads issued reports in its scope.
A report outside the user's scope (or a draft, for anyone but a reform admin) answers 404.
"""

from __future__ import annotations

import csv
import datetime
import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tracker.cases.scoping import ALL_ROLES, jurisdictions_for, role_required, user_role
from tracker.cases.workflow import Role
from tracker.imports.exports import neutralise
from tracker.models import MonthlyReport
from tracker.reports import services as report_services
from tracker.reports.charts import figures_charts
from tracker.reports.figures import (
    ReportTable,
    backdated_changes,
    period_for,
    report_tables,
    reports_for,
    table_by_key,
)
from tracker.reports.integrity import frozen_file_or_alert
from tracker.reports.narrative import draft_narrative
from tracker.web.pagination import page_of

PER_PAGE = 30
FORMATS = ("csv", "xlsx")


# --- forms ---------------------------------------------------------------------------------


class DraftForm(forms.Form):
    month = forms.CharField(
        label=gettext_lazy("月份"),
        max_length=10,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"}),
        help_text=gettext_lazy("格式 YYYY-MM，例如 2026-11；统计截至该月最后一天 24 时。"),
    )
    jurisdiction = forms.ModelChoiceField(
        label=gettext_lazy("行政区划"),
        queryset=None,
        error_messages={"invalid_choice": gettext_lazy("该行政区划不在您的管辖范围内。")},
    )
    correction_reason = forms.CharField(
        label=gettext_lazy("更正原因"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("该月已印发月报时必填：新版本为更正版本，替代已印发的一期。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = jurisdictions_for(user).order_by("path")
        if user.jurisdiction_id:
            self.fields["jurisdiction"].initial = user.jurisdiction_id
        last = timezone.localdate().replace(day=1)
        previous = (last - datetime.timedelta(days=1)).replace(day=1)
        self.fields["month"].initial = f"{previous:%Y-%m}"

    def clean_month(self) -> str:
        from tracker.reports.figures import parse_month

        return f"{parse_month(self.cleaned_data['month']):%Y-%m}"


class NarrativeForm(forms.ModelForm):
    class Meta:
        model = MonthlyReport
        fields = [
            "narrative_progress",
            "narrative_problems",
            "narrative_next",
            "preparer",
            "reviewer",
            "office",
            "doc_number",
            "send_to",
            "copy_to",
        ]
        widgets = {
            "narrative_progress": forms.Textarea(attrs={"rows": 4}),
            "narrative_problems": forms.Textarea(attrs={"rows": 4}),
            "narrative_next": forms.Textarea(attrs={"rows": 4}),
        }


# --- helpers -------------------------------------------------------------------------------


def _report_for(request: HttpRequest, pk: int) -> MonthlyReport:
    """One report in the user's scope (drafts only for reform admins), or 404."""
    return get_object_or_404(reports_for(request.user), pk=pk)


def _is_admin(request: HttpRequest) -> bool:
    return user_role(request.user) == Role.ADMIN


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _cells(values) -> list:
    out = []
    for v in values:
        if isinstance(v, int | float) and not isinstance(v, bool):
            out.append(v)
        else:
            out.append(neutralise("" if v is None else str(v)))
    return out


def _table_rows(table: ReportTable) -> list[list]:
    rows = [_cells(table.headers)] + [_cells(r) for r in table.rows]
    if table.total is not None:
        rows.append(_cells(table.total))
    return rows


def table_csv(table: ReportTable) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    for row in _table_rows(table):
        writer.writerow(row)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def table_xlsx(table: ReportTable, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = table.key[:31]
    ws.append([neutralise(title)])
    ws["A1"].font = Font(bold=True)
    for i, row in enumerate(_table_rows(table)):
        ws.append(row)
        if i == 0:
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- pages ---------------------------------------------------------------------------------


@login_required
@role_required(*ALL_ROLES)
@require_safe
def report_list(request: HttpRequest) -> HttpResponse:
    qs = reports_for(request.user).order_by("-month", "jurisdiction__code", "-id")
    page = page_of(qs, request.GET, per_page=PER_PAGE)
    reports = list(page.object_list)
    changes = backdated_changes(reports)
    rows = [{"report": r, "changes": changes.get(r.pk, [])} for r in reports]
    return render(
        request,
        "tracker/reports/list.html",
        {"rows": rows, "page": page, "can_draft": _is_admin(request)},
    )


@login_required
@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    form = DraftForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            report = report_services.report_draft(
                jurisdiction=form.cleaned_data["jurisdiction"],
                month=form.cleaned_data["month"],
                by=request.user,
                correction_reason=form.cleaned_data["correction_reason"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("月报草稿已生成，请核对数据并填写说明。"))
            return redirect("reports:detail", pk=report.pk)
    return render(request, "tracker/reports/new.html", {"form": form})


@login_required
@role_required(*ALL_ROLES)
@require_safe
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_for(request, pk)
    figures = report.figures or {}
    is_draft = report.state == MonthlyReport.State.DRAFT
    context = {
        "report": report,
        "period": period_for(report.month),
        "figures": figures,
        "tables": report_tables(figures) if figures else [],
        "charts": figures_charts(figures) if figures else [],
        "is_draft": is_draft,
        "can_edit": is_draft and _is_admin(request),
        "changes": backdated_changes([report]).get(report.pk, []),
        "narrative_form": _narrative_form(report) if is_draft else None,
        "formats": FORMATS,
        "can_sign": is_draft and report_services.may_sign(request.user),
    }
    return render(request, "tracker/reports/detail.html", context)


def _narrative_form(report: MonthlyReport) -> NarrativeForm:
    """The draft's form; empty narrative sections start from the sentences drafted from the
    figures (saved only when the admin saves them)."""
    drafted = draft_narrative(report.figures) if report.figures else {}
    initial = {k: v for k, v in drafted.items() if not getattr(report, k).strip()}
    return NarrativeForm(instance=report, initial=initial)


@login_required
@role_required(Role.VIEWER, Role.ADMIN)
@require_POST
def report_sign(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_for(request, pk)
    refused = _refuse_issued(request, report)
    if refused:
        return refused
    try:
        report_services.report_sign(report=report, by=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("已签发，管理员可以印发。"))
    return redirect("reports:detail", pk=report.pk)


def _refuse_issued(request: HttpRequest, report: MonthlyReport) -> HttpResponse | None:
    if report.state != MonthlyReport.State.DRAFT:
        messages.error(request, _("已印发的月报不能修改、重新生成或删除。"))
        return redirect("reports:detail", pk=report.pk)
    return None


@login_required
@role_required(Role.ADMIN)
@require_POST
def report_narrative(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_for(request, pk)
    refused = _refuse_issued(request, report)
    if refused:
        return refused
    form = NarrativeForm(request.POST, instance=report)
    if not form.is_valid():
        problems = "；".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, _("说明或签发人填写有误：%(e)s") % {"e": problems})
        return redirect("reports:detail", pk=report.pk)
    try:
        report_services.report_update_narrative(report=report, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("已保存。"))
    return redirect("reports:detail", pk=report.pk)


@login_required
@role_required(Role.ADMIN)
@require_POST
def report_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_for(request, pk)
    refused = _refuse_issued(request, report)
    if refused:
        return refused
    try:
        report_services.report_refresh(report=report, by=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("数据已按历史记录重新计算。"))
    return redirect("reports:detail", pk=report.pk)


@login_required
@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def report_issue(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_for(request, pk)
    refused = _refuse_issued(request, report)
    if refused:
        return refused
    if request.method == "POST":
        try:
            report_services.report_issue(report=report, by=request.user)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("月报已印发，不能再修改。"))
            return redirect("reports:detail", pk=report.pk)
    return render(
        request,
        "tracker/reports/issue.html",
        {"report": report, "period": period_for(report.month)},
    )


@login_required
@role_required(*ALL_ROLES)
@require_safe
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_for(request, pk)
    filename = f"monthly-report-{report.jurisdiction.code}-{report.month:%Y-%m}"
    if report.state == MonthlyReport.State.ISSUED:
        if not report.pdf:
            raise Http404
        data = frozen_file_or_alert(report, by=request.user)
        if data is None:
            return render(
                request,
                "tracker/frozen_refused.html",
                {"what": _("月报 %(r)s 的 PDF") % {"r": report}},
                status=409,
            )
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
        response["Content-Length"] = str(len(data))
        response["X-Content-Type-Options"] = "nosniff"
        return response
    if not _is_admin(request):
        raise Http404
    try:
        pdf = report_services.report_preview_pdf(report=report, by=request.user)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("reports:detail", pk=report.pk)
    except PermissionDenied:
        raise Http404
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}-draft.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@role_required(*ALL_ROLES)
@require_safe
def report_export(request: HttpRequest, pk: int, key: str, fmt: str) -> HttpResponse:
    report = _report_for(request, pk)
    if fmt not in FORMATS or not report.figures:
        raise Http404
    table = table_by_key(report.figures, key)
    if table is None:
        raise Http404
    name = f"monthly-report-{report.jurisdiction.code}-{report.month:%Y-%m}-{key}"
    if fmt == "csv":
        response = HttpResponse(table_csv(table), content_type="text/csv; charset=utf-8")
    else:
        title = f"{report.jurisdiction.name} {period_for(report.month).label} {table.title}"
        response = HttpResponse(
            table_xlsx(table, title),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
