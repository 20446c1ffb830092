"""A case's page (now or as of a moment) and its full history."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from tracker.audit import selectors as inspection_selectors
from tracker.audit import timeline
from tracker.audit.forms import TimelineFilterForm
from tracker.cases import selectors, workflow
from tracker.cases.decisions import superseded_for
from tracker.cases.forms import (
    TransitionForm,
    WithdrawalDecisionForm,
    WithdrawalRequestForm,
)
from tracker.cases.registry import panels_for
from tracker.cases.scoping import (
    READERS,
    role_required,
    user_role,
)
from tracker.cases.withdrawals import WithdrawalState, withdrawal_requests_for
from tracker.cases.workflow import is_editable
from tracker.models import Case
from tracker.redflags import rules as redflags

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
        "can_edit": not historical and request.user.is_editor and is_editable(case.status),
        "superseded_decisions": superseded_for(case, until=state.at if historical else None),
        "withdrawals": None if historical else _withdrawals_panel(request.user, case),
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


def _withdrawals_panel(user, case: Case) -> dict:
    """The case's withdrawal requests, and what this user may do about them here."""
    requests = withdrawal_requests_for(case)
    role = user_role(user)
    pending = any(w.state == WithdrawalState.PENDING for w in requests)
    return {
        "requests": requests,
        "may_request": role in workflow.EDITORS
        and workflow.may_request_withdrawal(case.status)
        and not pending,
        "may_decide": role in workflow.ADMINS,
        "request_form": WithdrawalRequestForm(auto_id="wr-%s"),
        "decision_form": WithdrawalDecisionForm(auto_id="wd-%s"),
    }
