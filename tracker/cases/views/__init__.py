"""Core pages: dashboard, case list, case detail and the forms that change a case.

Views are short: a scoped selector, a form or table, a service call, a template.

A package by concern: ``common`` (shared helpers), ``listing`` (dashboard, list, registration),
``detail`` (a case's page, its history), ``edits`` (edit, transition, milestones, notes) and
``evidence``. Every name is re-exported here: ``tracker.cases.urls`` imports from
``tracker.cases.views``.
"""

from __future__ import annotations

from tracker.cases.views.common import (
    PER_PAGE,
    _form_errors,
    _to_case,
    posted_version,
)
from tracker.cases.views.detail import (
    HISTORY_ON_DETAIL,
    HISTORY_PER_PAGE,
    _detail_context,
    _timeline_page,
    case_detail,
    case_history,
)
from tracker.cases.views.edits import (
    case_edit,
    case_transition,
    milestone_complete,
    note_add,
)
from tracker.cases.views.evidence import (
    _evidence_for_user,
    evidence_add,
    evidence_download,
    evidence_supersede,
)
from tracker.cases.views.listing import (
    _creation_jurisdiction,
    case_create,
    case_list,
    case_new,
    dashboard,
)
from tracker.cases.views.withdrawals import (
    withdrawal_decide,
    withdrawal_list,
    withdrawal_request,
)

__all__ = [
    "HISTORY_ON_DETAIL",
    "HISTORY_PER_PAGE",
    "PER_PAGE",
    "_creation_jurisdiction",
    "_detail_context",
    "_evidence_for_user",
    "_form_errors",
    "_timeline_page",
    "_to_case",
    "case_create",
    "case_detail",
    "case_edit",
    "case_history",
    "case_list",
    "case_new",
    "case_transition",
    "dashboard",
    "evidence_add",
    "evidence_download",
    "evidence_supersede",
    "milestone_complete",
    "note_add",
    "posted_version",
    "withdrawal_decide",
    "withdrawal_list",
    "withdrawal_request",
]
