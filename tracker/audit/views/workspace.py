"""The inspector workspace: inspection notes, flags raised and resolved, and review markers
("reviewed up to"). Inspectors write only workspace rows here; case data is never changed."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tracker.audit import services as inspection_services
from tracker.audit import timeline
from tracker.audit.forms import (
    FlagForm,
    FlagResolveForm,
    InspectionNoteForm,
    ReviewMarkForm,
)
from tracker.cases import selectors
from tracker.cases.scoping import role_required
from tracker.cases.workflow import Role
from tracker.models import Case, CaseFlag


def _back_to_case(case: Case) -> HttpResponse:
    return redirect(reverse("tracker:case_detail", args=[case.reference]) + "#inspection")


def _form_error(request: HttpRequest, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _workspace_post(
    request: HttpRequest, case: Case, form, action: Callable[[], object], done: str
) -> HttpResponse:
    """A workspace form posted on a case: the form's errors, or the outcome of ``action`` (the
    service call, run only on a valid form), as messages; then back to the case."""
    if not form.is_valid():
        _form_error(request, form)
        return _back_to_case(case)
    try:
        action()
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, done)
    return _back_to_case(case)


@login_required
@role_required(Role.INSPECTOR)
@require_POST
def inspection_note_add(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for_request(request, reference)
    form = InspectionNoteForm(request.POST)
    return _workspace_post(
        request,
        case,
        form,
        lambda: inspection_services.inspection_note_add(
            case=case, by=request.user, text=form.cleaned_data["text"]
        ),
        _("检查意见已添加。"),
    )


@login_required
@role_required(Role.INSPECTOR)
@require_POST
def flag_raise(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for_request(request, reference)
    form = FlagForm(request.POST)
    return _workspace_post(
        request,
        case,
        form,
        lambda: inspection_services.case_flag_raise(
            case=case,
            by=request.user,
            flag_type=form.cleaned_data["flag_type"],
            description=form.cleaned_data["description"],
        ),
        _("检查标记已提出。"),
    )


@login_required
@role_required(Role.INSPECTOR)
@require_POST
def flag_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    cases = Case.objects.restrict(request.user)
    flag = get_object_or_404(CaseFlag.objects.select_related("case").filter(case__in=cases), pk=pk)
    form = FlagResolveForm(request.POST)
    return _workspace_post(
        request,
        flag.case,
        form,
        lambda: inspection_services.case_flag_resolve(
            flag=flag, by=request.user, resolution=form.cleaned_data["resolution"]
        ),
        _("检查标记已处理。"),
    )


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
