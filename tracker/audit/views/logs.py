"""The audit list pages: the global audit log, the read (access) log, the inspector's review
queue and the flags in scope."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tracker.audit import selectors as inspection_selectors
from tracker.audit import services as inspection_services
from tracker.audit import timeline
from tracker.audit.chain import chain_head
from tracker.audit.forms import (
    AccessLogFilterForm,
)
from tracker.audit.selectors import AUDITORS
from tracker.audit.views.common import PER_PAGE, _bound_filters, _invalid_filters_message
from tracker.cases.registry import get_kind
from tracker.cases.scoping import role_required
from tracker.cases.workflow import Role
from tracker.models import AccessLog, AuditVerification, CaseFlag
from tracker.web.pagination import page_of


def _personal_references(entries: list[timeline.TimelineEntry]) -> list[str]:
    refs = []
    for e in entries:
        if e.case is not None and get_kind(e.case.kind).personal and e.case.reference not in refs:
            refs.append(e.case.reference)
    return refs


@login_required
@role_required(*AUDITORS)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    form, valid = _bound_filters(request)
    if not valid:
        _invalid_filters_message(request, form)
    result = timeline.audit_log(
        request.user, form.filters(), page=request.GET.get("page", 1), per_page=PER_PAGE
    )
    personal = _personal_references(result.entries)
    if personal:  # the page shows officials' personal records
        inspection_services.access_log_record(
            user=request.user,
            action=AccessLog.Action.VIEW,
            target="audit_log",
            query=f"{request.GET.urlencode()} cases={','.join(personal)}",
            row_count=len(result.entries),
        )
    seq, head_hash = chain_head()
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tracker/audit/log.html",
        {
            "form": form,
            "result": result,
            "query": query.urlencode(),
            "head_seq": seq,
            "head_hash": head_hash,
            "verification": AuditVerification.objects.order_by("-ran_at", "-id").first(),
        },
    )


@login_required
@role_required(*AUDITORS)
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    data.pop("page", None)
    form = AccessLogFilterForm(data or None, viewer=request.user)
    if form.is_bound and not form.is_valid():
        _invalid_filters_message(request, form)
    page = page_of(
        inspection_selectors.access_log(request.user, form.filters()),
        request.GET,
        per_page=PER_PAGE,
    )
    return render(
        request,
        "tracker/audit/access_log.html",
        {"form": form, "page": page, "query": data.urlencode()},
    )


@login_required
@role_required(Role.INSPECTOR)
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    page = page_of(timeline.review_queue(request.user), request.GET, per_page=PER_PAGE)
    return render(request, "tracker/audit/review_list.html", {"page": page})


@login_required
@role_required(*AUDITORS)
@require_GET
def flag_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", CaseFlag.State.OPEN)
    if state not in ("", *CaseFlag.State.values):
        messages.error(request, _("未知的标记状态“%(s)s”，已显示全部标记。") % {"s": state[:20]})
        state = ""
    page = page_of(
        inspection_selectors.flags_in_scope(request.user, state), request.GET, per_page=PER_PAGE
    )
    return render(
        request,
        "tracker/audit/flag_list.html",
        {"page": page, "state": state, "states": CaseFlag.State.choices},
    )
