"""The dashboard, the case list and registering a case."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from django_tables2 import RequestConfig

from tracker.cases import selectors, services
from tracker.cases.filters import CaseFilterSet
from tracker.cases.forms import (
    CaseForm,
    split_subject,
)
from tracker.cases.registry import get_kind, kind_choices, kinds, panels_for
from tracker.cases.scoping import (
    ALL_ROLES,
    EDITOR_ROLES,
    READERS,
    jurisdictions_for,
    role_required,
)
from tracker.cases.tables import CaseTable
from tracker.cases.views.common import (
    PER_PAGE,
    _form_errors,
)
from tracker.deadlines.selectors import attach_overdue_explanations
from tracker.models import Jurisdiction
from tracker.redflags import rules as redflags
from tracker.reports.charts import dashboard_charts
from tracker.web.pagination import configure_table


@login_required
@role_required(*ALL_ROLES)
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    counts = selectors.scope_counts(request.user)  # one pass for the table and the charts
    context = selectors.dashboard(request.user, counts=counts)
    context["charts"] = dashboard_charts(request.user, counts)
    context["red_flag_summary"] = redflags.red_flag_summary(request.user)
    context["withdrawals"] = selectors.withdrawal_summary(request.user)
    context["panels"] = panels_for("dashboard", request.user)  # sections of domain apps
    attach_overdue_explanations(context["overdue_list"])
    return render(request, "tracker/dashboard.html", context)


@login_required
@role_required(*READERS)
@require_safe
def case_list(request: HttpRequest) -> HttpResponse:
    filterset = CaseFilterSet(
        request.GET or None, queryset=selectors.case_list(request.user), user=request.user
    )
    if filterset.is_bound and not filterset.is_valid():
        messages.error(request, _("筛选条件有误，已忽略无效的条件。"))
        qs = selectors.case_list(request.user)
    else:
        qs = filterset.qs
    # The whole scope, unfiltered: count it the cheap way (selectors.scope_total).
    whole_scope = not filterset.is_filtering()
    table = CaseTable(qs, total=selectors.scope_total(request.user) if whole_scope else None)
    from tracker.imports import (
        exports,  # the list export (imported here: this view owns the wiring)
    )

    export_format = exports.requested_format(request)
    if export_format is not None:
        RequestConfig(request, paginate=False).configure(table)
        return exports.export_table(request, table, name="case_list", file_format=export_format)
    configure_table(request, table, per_page=PER_PAGE)
    kind = request.GET.get("kind", "")
    return render(
        request,
        "tracker/case_list.html",
        {
            "table": table,
            "filter": filterset,
            "kind": kind if kind in dict(kind_choices()) else "",
            "kinds": kinds(),
        },
    )


def _creation_jurisdiction(request: HttpRequest) -> Jurisdiction:
    scope = jurisdictions_for(request.user)
    wanted = request.GET.get("jurisdiction") or request.POST.get("jurisdiction")
    if wanted and str(wanted).isdigit():
        return get_object_or_404(scope, pk=int(wanted))
    if request.user.jurisdiction_id is None:
        raise PermissionDenied(_("您的账号未设置所属行政区划。"))
    return request.user.jurisdiction


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in dict(kind_choices()):
        raise Http404
    spec = get_kind(kind)
    jurisdiction = _creation_jurisdiction(request)
    data = request.POST if request.method == "POST" else None
    case_form = CaseForm(data, jurisdiction=jurisdiction, user=request.user, editing=False)
    subject_form = spec.form_class(data, prefix="s", jurisdiction=jurisdiction)
    if request.method == "POST" and case_form.is_valid() and subject_form.is_valid():
        subject_data, m2m = split_subject(spec, subject_form.cleaned_data)
        try:
            case = services.case_create(
                kind=spec,
                jurisdiction=jurisdiction,
                by=request.user,
                case_fields=case_form.cleaned_data,
                subject_fields=subject_data,
                m2m=m2m,
            )
        except ValidationError as exc:
            _form_errors(case_form, exc)
        else:
            messages.success(request, _("已登记：%(ref)s") % {"ref": case.reference})
            return redirect("tracker:case_detail", reference=case.reference)
    return render(
        request,
        "tracker/case_form.html",
        {
            "spec": spec,
            "case_form": case_form,
            "subject_form": subject_form,
            "jurisdiction": jurisdiction,
            "jurisdictions": jurisdictions_for(request.user),
            "creating": True,
        },
    )


@login_required
@role_required(*EDITOR_ROLES)
@require_safe
def case_new(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "tracker/case_new.html",
        {"kinds": kinds(), "jurisdictions": jurisdictions_for(request.user)},
    )
