"""Spot check pages: plans, commitment, the draw and each check's result."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from intermediaries.credit import selectors, services
from intermediaries.credit.forms import (
    PlanForm,
    ResultForm,
)
from intermediaries.credit.views.common import (
    _form_errors,
)
from tracker.cases.scoping import EDITOR_ROLES, READERS, jurisdictions_for, role_required
from tracker.cases.workflow import Role
from tracker.models import User

# --- spot checks ---------------------------------------------------------------------------


@login_required
@role_required(*READERS)
@require_safe
def plans(request: HttpRequest) -> HttpResponse:
    return render(request, "credit/plans.html", {"plans": selectors.plans_for(request.user)})


@login_required
@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest) -> HttpResponse:
    scope = jurisdictions_for(request.user)
    users = User.objects.filter(is_active=True, jurisdiction__in=scope).exclude(role=Role.VIEWER)
    form = PlanForm(request.POST or None, jurisdictions=scope, users=users)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        inspectors = list(d.pop("inspectors"))
        try:
            plan = services.plan_create(by=request.user, fields=d, inspectors=inspectors)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("抽查计划已建立。"))
            return redirect("credit:plan_detail", pk=plan.pk)
    return render(request, "credit/form.html", {"form": form, "title": _("新建双随机抽查计划")})


def _plan_context(plan) -> dict:
    draws = list(plan.draws.select_related("firm").order_by("position"))
    ids = {i for d in draws for i in d.inspector_ids}
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=ids)}
    return {
        "plan": plan,
        "draws": [(d, [names.get(i, i) for i in d.inspector_ids]) for d in draws],
        "verification": selectors.verify_plan(plan) if plan.status == "drawn" else None,
        "today": timezone.localdate(),
    }


@login_required
@role_required(*READERS)
@require_safe
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(selectors.plans_for(request.user), pk=pk)
    return render(request, "credit/plan.html", _plan_context(plan))


@login_required
@role_required(Role.ADMIN)
@require_POST
def plan_commit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(selectors.plans_for(request.user), pk=pk)
    try:
        services.plan_commit(plan=plan, by=request.user)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("候选名单已冻结，随机种子摘要已公布。"))
    return redirect("credit:plan_detail", pk=plan.pk)


@login_required
@role_required(Role.ADMIN)
@require_POST
def plan_draw(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(selectors.plans_for(request.user), pk=pk)
    try:
        services.plan_draw(plan=plan, by=request.user)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("已公开随机种子并完成抽取。"))
    return redirect("credit:plan_detail", pk=plan.pk)


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def draw_result(request: HttpRequest, pk: int) -> HttpResponse:
    draw = get_object_or_404(selectors.draws_for(request.user), pk=pk)
    form = ResultForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.check_result(draw=draw, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("抽查结果已录入，并记入机构信用记录。"))
            return redirect("credit:plan_detail", pk=draw.plan_id)
    return render(
        request, "credit/form.html", {"form": form, "firm": draw.firm, "title": _("录入抽查结果")}
    )
