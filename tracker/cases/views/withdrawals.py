"""Withdrawals: a request from the case page, an admin's approval or refusal, and the list of
requests waiting in the admin's scope."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from tracker.cases import selectors, services
from tracker.cases.forms import WithdrawalDecisionForm, WithdrawalRequestForm
from tracker.cases.scoping import EDITOR_ROLES, role_required
from tracker.cases.views.common import _to_case
from tracker.cases.withdrawals import WithdrawalRequest, pending_withdrawals
from tracker.cases.workflow import ADMINS
from tracker.models import Case
from tracker.web.pagination import page_of

PER_PAGE = 50


def _refused(request: HttpRequest, exc: ValidationError | PermissionDenied) -> None:
    text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    messages.error(request, text)


def _form_problem(request: HttpRequest, form) -> None:
    problems = [
        f"{form.fields[n].label if n in form.fields else ''} {e}".strip()
        for n, errors in form.errors.items()
        for e in errors
    ]
    messages.error(request, "；".join(problems))


@login_required
@role_required(*EDITOR_ROLES)
@require_POST
def withdrawal_request(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for_request(request, reference, "change")
    form = WithdrawalRequestForm(request.POST)
    if not form.is_valid():
        _form_problem(request, form)
        return _to_case(case, "withdrawals")
    try:
        services.withdrawal_request(case=case, by=request.user, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("已提交撤回申请，待管理员审批。"))
    return _to_case(case, "withdrawals")


@login_required
@role_required(*ADMINS)
@require_POST
def withdrawal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    cases = Case.objects.restrict(request.user, "change")
    pending = get_object_or_404(
        WithdrawalRequest.objects.select_related("case").filter(case__in=cases), pk=pk
    )
    form = WithdrawalDecisionForm(request.POST)
    if not form.is_valid():
        _form_problem(request, form)
        return _to_case(pending.case, "withdrawals")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.withdrawal_decide(
            request=pending, by=request.user, approve=approve, note=form.cleaned_data["note"]
        )
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("已批准撤回。") if approve else _("已不批准撤回申请。"))
    return _to_case(pending.case, "withdrawals")


@login_required
@role_required(*ADMINS)
@require_safe
def withdrawal_list(request: HttpRequest) -> HttpResponse:
    """The requests waiting for a decision in the admin's scope, oldest first."""
    rows = pending_withdrawals(Case.objects.restrict(request.user, "change"))
    page = page_of(rows, request.GET, per_page=PER_PAGE)
    return render(request, "tracker/withdrawal_list.html", {"page": page})
