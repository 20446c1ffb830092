"""Scoring rule pages: the versions and a new version (admins)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from intermediaries.credit import scoring, services
from intermediaries.credit.forms import (
    RuleForm,
)
from intermediaries.credit.models import ScoringRule
from intermediaries.credit.views.common import (
    _form_errors,
)
from tracker.cases.scoping import READERS, role_required
from tracker.cases.workflow import Role

# --- scoring rules -------------------------------------------------------------------------


@login_required
@role_required(*READERS)
@require_safe
def rules(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "credit/rules.html",
        {
            "rules": ScoringRule.objects.all(),
            "in_force": scoring.rule_in_force(timezone.localdate()),
        },
    )


@login_required
@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def rule_new(request: HttpRequest) -> HttpResponse:
    services.catalogue_ensure(by=request.user)
    latest = ScoringRule.objects.order_by("-version").first()
    initial = {"effective_from": timezone.localdate(), "base_score": 100, "repair_days": 365}
    if latest is not None:
        initial.update(
            base_score=latest.base_score,
            decay=latest.decay,
            repair_days=latest.repair_days,
            abnormal_below=latest.abnormal_below,
            black_below=latest.black_below,
            points="\n".join(f"{k}={v}" for k, v in sorted(latest.points.items())),
            **{f"{b['band'].lower()}_min": b["min"] for b in latest.bands},
            **{f"{b['band'].lower()}_max": b["max"] for b in latest.bands},
        )
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.rule_publish(by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("评分规则 v%(v)d 已发布。") % {"v": rule.version})
            return redirect("credit:rules")
    return render(request, "credit/form.html", {"form": form, "title": _("发布新版评分规则")})
