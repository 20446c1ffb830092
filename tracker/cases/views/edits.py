"""Changes to a case: edit, transition, milestone completion and notes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tracker.cases import selectors, services, workflow
from tracker.cases.forms import (
    CaseForm,
    MilestoneCompleteForm,
    NoteForm,
    TransitionForm,
    case_update_values,
)
from tracker.cases.scoping import (
    EDITOR_ROLES,
    role_required,
    user_role,
)
from tracker.cases.views.common import (
    _form_errors,
    _to_case,
    posted_version,
)
from tracker.cases.workflow import Status, edge_for


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
        try:
            services.case_update(
                case=case,
                by=request.user,
                expected_version=version,
                **case_update_values(case_form, subject_form, spec),
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
