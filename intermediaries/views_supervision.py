"""Supervision pages for inspectors and reform admins: firm and agency ties as of a date."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from intermediaries import supervision
from intermediaries.selectors import firms_for
from tracker.cases import workflow
from tracker.cases.scoping import role_required

SUPERVISION_ROLES = workflow.AUDITORS


@login_required
@role_required(*SUPERVISION_ROLES)
@require_safe
def supervision_index(request: HttpRequest) -> HttpResponse:
    context = supervision.supervision_index(request.user, request.GET.get("q", "")[:100])
    return render(request, "intermediaries/supervision_index.html", context)


@login_required
@role_required(*SUPERVISION_ROLES)
@require_safe
def firm_supervision(request: HttpRequest, pk: int) -> HttpResponse:
    firm = get_object_or_404(firms_for(request.user), pk=pk)
    day, problem = supervision.parse_as_of(request.GET.get("as_of"))
    if problem:
        messages.error(request, problem)
    context = supervision.firm_supervision(firm=firm, user=request.user, day=day)
    supervision.log_supervision_view(
        user=request.user,
        target="firm_supervision",
        reference=f"firm:{firm.pk}",
        day=day,
        rows=len(context["posts"]),
    )
    return render(request, "intermediaries/supervision_firm.html", context)


@login_required
@role_required(*SUPERVISION_ROLES)
@require_safe
def agency_supervision(request: HttpRequest, pk: int) -> HttpResponse:
    department = get_object_or_404(supervision.departments_for(request.user), pk=pk)
    day, problem = supervision.parse_as_of(request.GET.get("as_of"))
    if problem:
        messages.error(request, problem)
    context = supervision.agency_supervision(department=department, user=request.user, day=day)
    supervision.log_supervision_view(
        user=request.user,
        target="agency_supervision",
        reference=f"department:{department.pk}",
        day=day,
        rows=len(context["officials"]) + len(context["posts_at_affiliated"]),
    )
    return render(request, "intermediaries/supervision_agency.html", context)
