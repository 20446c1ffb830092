"""Staff pages of a firm's credit: the index, its records (added, corrected) and its list entries."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from intermediaries.credit import scoring, selectors, services
from intermediaries.credit.forms import (
    CorrectionForm,
    ExitForm,
    ListEnterForm,
    NoticeForm,
    RecordForm,
)
from intermediaries.credit.models import ListType
from intermediaries.credit.views.common import (
    _case_in_scope,
    _day,
    _firm,
    _form_errors,
)
from intermediaries.models import IntermediaryFirm
from tracker.cases.scoping import EDITOR_ROLES, READERS, role_required

# --- staff: firm credit, records, lists ----------------------------------------------------


@login_required
@role_required(*READERS)
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    day = timezone.localdate()
    entries = selectors.entries_for(request.user).filter(exited_on__isnull=True)
    firm_ids = list(selectors.firms_in_scope(request.user).values_list("pk", flat=True))
    grades = scoring.grades_as_of(day, firm_ids)
    on_list = {(e.firm_id, e.list_type) for e in entries}
    candidates = [
        (g, t) for g in grades.values() for t in g.triggers if (g.firm_id, t[0]) not in on_list
    ]
    firms = IntermediaryFirm.objects.in_bulk([g.firm_id for g, _t in candidates])
    return render(
        request,
        "credit/index.html",
        {
            "panel": selectors.dashboard_panel(request.user, day),
            "entries": entries.order_by("-decision_date")[:100],
            "candidates": [
                {"firm": firms[g.firm_id], "grade": g, "list": ListType(t[0]).label, "basis": t[1]}
                for g, t in candidates[:100]
            ],
            "rule": scoring.rule_in_force(day),
        },
    )


@login_required
@role_required(*READERS)
@require_safe
def firm_credit(request: HttpRequest, pk: int) -> HttpResponse:
    firm = _firm(request, pk)
    context = selectors.firm_credit(firm, _day(request))
    return render(request, "credit/firm.html", context)


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def record_add(request: HttpRequest, pk: int) -> HttpResponse:
    firm = _firm(request, pk)
    services.catalogue_ensure(by=request.user)
    form = RecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.record_add(
                firm=firm,
                kind=d["kind"],
                effective_date=d["effective_date"],
                expires_on=d["expires_on"],
                doc_no=d["doc_no"],
                evidence=d["evidence"],
                source_case=_case_in_scope(request, d["source_case"]),
                by=request.user,
                reason=d["reason"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("信用记录已录入。"))
            return redirect("credit:firm", pk=firm.pk)
    return render(
        request, "credit/form.html", {"form": form, "firm": firm, "title": _("录入信用记录")}
    )


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def record_correct(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(selectors.records_for(request.user), pk=pk)
    form = CorrectionForm(
        request.POST or None,
        initial={
            "kind": record.kind,
            "effective_date": record.effective_date,
            "expires_on": record.expires_on,
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.record_correct(record=record, by=request.user, **d)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("更正记录已录入，原记录不再计分。"))
            return redirect("credit:firm", pk=record.firm_id)
    return render(
        request,
        "credit/form.html",
        {"form": form, "firm": record.firm, "record": record, "title": _("更正信用记录")},
    )


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def list_enter(request: HttpRequest, pk: int) -> HttpResponse:
    firm = _firm(request, pk)
    form = ListEnterForm(request.POST or None, initial=request.GET or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.list_enter(firm=firm, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已列入名单。"))
            return redirect("credit:firm", pk=firm.pk)
    return render(request, "credit/form.html", {"form": form, "firm": firm, "title": _("列入名单")})


def _entry(request: HttpRequest, pk: int):
    return get_object_or_404(selectors.entries_for(request.user), pk=pk)


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def list_notice(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    form = NoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.list_notice(
                entry=entry,
                notice_date=d["notice_date"],
                method=d["notice_method"],
                by=request.user,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("告知情况已记录。"))
            return redirect("credit:firm", pk=entry.firm_id)
    return render(
        request, "credit/form.html", {"form": form, "firm": entry.firm, "title": _("记录告知")}
    )


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def list_exit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    form = ExitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.list_exit(
                entry=entry,
                basis=d["basis"],
                decision_no=d["exit_decision_no"],
                exit_date=d["exited_on"],
                reason=d["reason"],
                by=request.user,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已移出名单。"))
            return redirect("credit:firm", pk=entry.firm_id)
    return render(
        request, "credit/form.html", {"form": form, "firm": entry.firm, "title": _("移出名单")}
    )
