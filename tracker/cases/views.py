"""Core pages: dashboard, case list, case detail and the forms that change a case.

Views are short: a scoped selector, a form or table, a service call, a template.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_tables2 import RequestConfig

from tracker.audit import selectors as inspection_selectors
from tracker.audit import services as inspection_services
from tracker.audit import timeline
from tracker.audit.forms import TimelineFilterForm
from tracker.cases import selectors, services, workflow
from tracker.cases.filters import CaseFilterSet
from tracker.cases.forms import (
    CaseForm,
    EvidenceForm,
    MilestoneCompleteForm,
    NoteForm,
    SupersedeForm,
    TransitionForm,
)
from tracker.cases.registry import get_kind, kind_choices, kinds, panels_for
from tracker.cases.scoping import (
    ALL_ROLES,
    EDITOR_ROLES,
    READERS,
    jurisdictions_for,
    role_required,
    user_role,
)
from tracker.cases.tables import CaseTable
from tracker.cases.workflow import Status, edge_for
from tracker.deadlines.selectors import attach_overdue_explanations
from tracker.models import AccessLog, Case, Evidence, Jurisdiction
from tracker.redflags import rules as redflags
from tracker.reports.charts import dashboard_charts
from tracker.web.pagination import configure_table

PER_PAGE = 25


def posted_version(request: HttpRequest, current: int) -> int:
    """The version the form was loaded at; a missing or tampered value counts as stale (0)."""
    if request.method != "POST":
        return current
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else 0


def _to_case(case: Case, tab: str = "") -> HttpResponse:
    """Back to the case page, on the tab the change was made in (``#milestones``)."""
    url = reverse("tracker:case_detail", args=[case.reference])
    return redirect(f"{url}#{tab}" if tab else url)


def _form_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError onto the form (field errors where it names fields)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
@role_required(*ALL_ROLES)
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    counts = selectors.scope_counts(request.user)  # one pass for the table and the charts
    context = selectors.dashboard(request.user, counts=counts)
    context["charts"] = dashboard_charts(request.user, counts)
    context["red_flag_summary"] = redflags.red_flag_summary(request.user)
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
        subject_data = {k: v for k, v in subject_form.cleaned_data.items() if not _is_m2m(spec, k)}
        m2m = {k: v for k, v in subject_form.cleaned_data.items() if _is_m2m(spec, k)}
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


def _is_m2m(spec, name: str) -> bool:
    return spec.subject_model._meta.get_field(name).many_to_many


HISTORY_ON_DETAIL = 20
HISTORY_PER_PAGE = 50


@login_required
@role_required(*READERS)
@require_safe
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """The case page; ``?as_of=YYYY-MM-DD[THH:MM]`` shows the whole case as it stood then."""
    case = selectors.case_for_request(request, reference)
    state, status = None, 200
    if request.GET.get("as_of", "").strip():  # an empty field means "now"
        try:
            at = timeline.parse_as_of(request.GET["as_of"])
        except timeline.TimelineError as exc:
            messages.error(request, _("%(e)s 下面显示的是当前状态。") % {"e": exc})
            status = 400
        else:
            state = timeline.case_state_as_of(case, at)
            if state is None:
                messages.warning(
                    request,
                    _("该事项在 %(t)s 时尚未登记（登记于 %(c)s）。下面显示的是当前状态。")
                    % {
                        "t": timezone.localtime(at).strftime("%Y-%m-%d %H:%M"),
                        "c": timezone.localtime(case.created_at).strftime("%Y-%m-%d %H:%M"),
                    },
                )
    context = _detail_context(request, case, state)
    return render(request, "tracker/case_detail.html", context, status=status)


def _detail_context(request: HttpRequest, case: Case, state=None) -> dict:
    """The case page's context: the current case, or a historical state (read-only)."""
    if state is None:
        today = timezone.localdate()
        shown = case
        subject_fields = selectors.subject_fields(case)
        milestones = selectors.case_milestones(case)
        evidence_list = selectors.case_evidence(case)
        notes = selectors.case_notes(case)
        history = timeline.case_timeline(
            case, page=_timeline_page(request), per_page=HISTORY_ON_DETAIL, count=False
        )
        inspection = inspection_selectors.case_inspection(case, request.user)
        timeline.mark_review(
            history.entries, inspection.marker.reviewed_up_to if inspection.marker else None
        )
    else:
        today = timezone.localtime(state.at).date()
        shown = state.case
        subject_fields = state.subject_fields
        milestones = state.milestones
        evidence_list = state.evidence
        notes = state.notes
        history = timeline.case_timeline(
            case, until=state.at, per_page=HISTORY_ON_DETAIL, count=False
        )
        inspection = None
    historical = state is not None
    panel = None if historical else selectors.workflow_panel(case, request.user)
    return {
        "case": shown,
        "spec": shown.kind_spec,
        "subject_fields": subject_fields,
        "milestones": milestones,
        "evidence_list": evidence_list,
        "notes": notes,
        "history": history.entries,
        "timeline": history,
        "actions": panel.actions if panel else [],
        "panel": panel,
        # One inline form per action this user may start now (ids kept apart per target).
        "transition_forms": [
            (edge, TransitionForm(case=case, target=edge.target, auto_id=f"tr-{edge.target}-%s"))
            for edge in (panel.actions if panel else [])
        ],
        "today": today,
        "case_panels": [] if historical else panels_for("case", request.user, case),
        "milestones_done": sum(1 for m in milestones if m.done),
        "can_edit": not historical
        and request.user.is_editor
        and case.status not in (Status.CLOSED,),
        "action_labels": timeline.ACTION_LABELS,
        "historical": historical,
        "as_of": state.at if historical else None,
        "overdue_days": shown.days_overdue(today),
        "overdue_milestones": {m.pk for m in milestones if m.is_overdue(today)},
        "inspection": inspection,
        "red_flags": [] if historical else redflags.flags_for_case(case, milestones=milestones),
    }


def _timeline_page(request: HttpRequest) -> int:
    """The page of the case page's timeline tab (``?tpage=N``; anything else is the first)."""
    raw = request.GET.get("tpage", "")
    return min(int(raw), 10_000) if raw.isdigit() and int(raw) > 0 else 1


@login_required
@role_required(*READERS)
@require_safe
def case_history(request: HttpRequest, reference: str) -> HttpResponse:
    """The case timeline: every change, filterable by kind of change and user, paginated."""
    case = selectors.case_for_request(request, reference)
    form = TimelineFilterForm(request.GET or None, users=timeline.case_timeline_users(case))
    action, user_id = "", None
    if form.is_bound:
        valid = form.is_valid()
        action = form.cleaned_data.get("action") or ""
        user_id = form.cleaned_data.get("user")
        if not valid:
            messages.error(request, _("筛选条件有误，已忽略无效的条件。"))
    page = timeline.case_timeline(
        case,
        action=action,
        user_id=user_id,
        page=request.GET.get("page", 1),
        per_page=HISTORY_PER_PAGE,
    )
    marker = inspection_selectors.review_marker(case, request.user)
    timeline.mark_review(page.entries, marker)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tracker/case_history.html",
        {
            "case": case,
            "history": page.entries,
            "timeline": page,
            "form": form,
            "query": query.urlencode(),
            "marker": marker,
            "controls": True,
            "can_review": request.user.is_inspector,
            "action_labels": timeline.ACTION_LABELS,
        },
    )


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for_request(request, reference, "change")
    spec = case.kind_spec
    refusal = workflow.edit_refusal(case.status)  # early, for a nicer message; the service decides
    if refusal:
        messages.error(request, refusal)
        return redirect("tracker:case_detail", reference=case.reference)
    data = request.POST if request.method == "POST" else None
    case_form = CaseForm(
        data, instance=case, jurisdiction=case.jurisdiction, user=request.user, editing=True
    )
    subject_form = spec.form_class(
        data, prefix="s", instance=case.subject, jurisdiction=case.jurisdiction
    )
    stale_changes: list[str] = []
    version = posted_version(request, case.version)
    if request.method == "POST" and case_form.is_valid() and subject_form.is_valid():
        fields = {
            k: v
            for k, v in case_form.cleaned_data.items()
            if k in ("department", "owner", "deadline")
        }
        subject_data = {k: v for k, v in subject_form.cleaned_data.items() if not _is_m2m(spec, k)}
        m2m = {k: v for k, v in subject_form.cleaned_data.items() if _is_m2m(spec, k)}
        try:
            services.case_update(
                case=case,
                by=request.user,
                expected_version=version,
                case_fields=fields,
                subject_fields=subject_data,
                m2m=m2m,
                reason=case_form.cleaned_data["reason"],
            )
        except services.StaleEdit as exc:
            case_form.add_error(None, str(exc))
            stale_changes = exc.changes
        except ValidationError as exc:
            _form_errors(case_form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("tracker:case_detail", reference=case.reference)
    return render(
        request,
        "tracker/case_form.html",
        {
            "spec": spec,
            "case": case,
            "case_form": case_form,
            "subject_form": subject_form,
            "jurisdiction": case.jurisdiction,
            "version": version,
            "stale_changes": stale_changes,
            "creating": False,
        },
    )


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def case_transition(request: HttpRequest, reference: str, target: str) -> HttpResponse:
    case = selectors.case_for_request(request, reference, "change")
    if target not in Status.values:
        raise Http404
    edge = edge_for(case.status, target)
    if request.method == "GET":
        refused = workflow.refusal_to_open(case, target, user_role(request.user))
        if refused:  # no form for a step this user may not take now
            messages.error(request, refused)
            return redirect("tracker:case_detail", reference=case.reference)
    form = TransitionForm(request.POST or None, case=case, target=target)
    if request.method == "POST" and form.is_valid():
        decision = None
        if form.deciding:
            decision = services.Decision(
                form.cleaned_data["disposition"],
                form.cleaned_data["decision_doc_no"],
                form.cleaned_data["decision_date"],
            )
        try:
            services.case_transition(
                case=case,
                to=target,
                by=request.user,
                reason=form.cleaned_data["reason"],
                decision=decision,
            )
        except services.TransitionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("状态已变更为“%(s)s”。") % {"s": Status(target).label})
            return redirect("tracker:case_detail", reference=case.reference)
    return render(
        request,
        "tracker/transition_form.html",
        {"case": case, "form": form, "edge": edge, "target": Status(target)},
    )


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def milestone_complete(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    case = selectors.case_for_request(request, reference, "change")
    milestone = get_object_or_404(case.milestones, pk=pk)
    form = MilestoneCompleteForm(request.POST or None, milestone=milestone)
    if request.method == "POST" and form.is_valid():
        try:
            services.milestone_complete(
                milestone=milestone,
                by=request.user,
                effective_date=form.cleaned_data["effective_date"],
                doc_no=form.cleaned_data["doc_no"],
                evidence=form.cleaned_data["evidence"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("节点“%(n)s”已完成。") % {"n": milestone.name})
            return _to_case(case, "milestones")
    return render(
        request, "tracker/milestone_form.html", {"case": case, "milestone": milestone, "form": form}
    )


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def evidence_add(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for_request(request, reference, "change")
    form = EvidenceForm(request.POST or None, request.FILES or None, case=case)
    if request.GET.get("milestone", "").isdigit():
        form.fields["milestone"].initial = int(request.GET["milestone"])
    if request.method == "POST" and form.is_valid():
        try:
            services.evidence_add(
                case=case,
                by=request.user,
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
                doc_no=form.cleaned_data["doc_no"],
                issuing_body=form.cleaned_data["issuing_body"],
                effective_date=form.cleaned_data["effective_date"],
                milestone=form.cleaned_data["milestone"],
                max_bytes=settings.EVIDENCE_MAX_BYTES,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("佐证材料已上传。"))
            return _to_case(case, "evidence")
    return render(request, "tracker/evidence_form.html", {"case": case, "form": form})


def _evidence_for_user(request: HttpRequest, pk: int, action: str = "view") -> Evidence:
    """Evidence of a case the user may ``action``: fetched scoped, 404 outside (never fetched
    unscoped and checked afterwards)."""
    cases = Case.objects.restrict(request.user, action)
    return get_object_or_404(Evidence.objects.select_related("case").filter(case__in=cases), pk=pk)


@login_required
@role_required(*READERS)
@require_safe
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = _evidence_for_user(request, pk)
    if not evidence.file:
        raise Http404
    if evidence.case.kind_spec.personal:
        inspection_services.access_log_record(
            user=request.user,
            action=AccessLog.Action.DOWNLOAD,
            target="evidence",
            reference=evidence.case.reference,
        )
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name or evidence.file.name.rsplit("/", 1)[-1],
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def evidence_supersede(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = _evidence_for_user(request, pk, "change")
    form = SupersedeForm(request.POST or None, evidence=evidence)
    if request.method == "POST" and form.is_valid():
        try:
            services.evidence_supersede(
                old=evidence,
                new=form.cleaned_data["replacement"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已标记为被替换（原材料保留）。"))
            return redirect("tracker:case_detail", reference=evidence.case.reference)
    return render(
        request,
        "tracker/supersede_form.html",
        {"case": evidence.case, "evidence": evidence, "form": form},
    )


@login_required
@role_required(*EDITOR_ROLES)
@require_POST
def note_add(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for_request(request, reference, "change")
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                services.note_add(case=case, by=request.user, text=form.cleaned_data["text"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("备注已添加。"))
    else:
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
    return _to_case(case, "notes")


@login_required
@role_required(*EDITOR_ROLES)
@require_safe
def case_new(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "tracker/case_new.html",
        {"kinds": kinds(), "jurisdictions": jurisdictions_for(request.user)},
    )
