"""Credit and supervision pages: staff and inspectors (scoped, 404 outside scope) and the public
disclosure and complaint pages (no login). Views ask the services and selectors; they never
re-decide.

A package by concern: ``common`` (shared helpers), ``records`` (firm credit, records, list
entries), ``rules``, ``spot_checks``, ``complaints`` (staff side) and ``public`` (no login).
Every name is re-exported here: ``intermediaries.credit.urls`` imports from
``intermediaries.credit.views``.
"""

from __future__ import annotations

from intermediaries.credit.views.common import (
    PUBLIC_PER_PAGE,
    _case_in_scope,
    _day,
    _firm,
    _form_errors,
)
from intermediaries.credit.views.complaints import (
    complaint_detail,
    complaints,
)
from intermediaries.credit.views.public import (
    COMPLAINT_SCOPE,
    _download,
    _public_place,
    _subject_names,
    complaint_new,
    complaint_status,
    joint_export,
    public_firms,
    public_firms_download,
    public_lists,
    public_plan,
)
from intermediaries.credit.views.records import (
    _entry,
    firm_credit,
    index,
    list_enter,
    list_exit,
    list_notice,
    record_add,
    record_correct,
)
from intermediaries.credit.views.rules import (
    rule_new,
    rules,
)
from intermediaries.credit.views.spot_checks import (
    _plan_context,
    draw_result,
    plan_commit,
    plan_detail,
    plan_draw,
    plan_new,
    plans,
)

__all__ = [
    "COMPLAINT_SCOPE",
    "PUBLIC_PER_PAGE",
    "_case_in_scope",
    "_day",
    "_download",
    "_entry",
    "_firm",
    "_form_errors",
    "_plan_context",
    "_public_place",
    "_subject_names",
    "complaint_detail",
    "complaint_new",
    "complaint_status",
    "complaints",
    "draw_result",
    "firm_credit",
    "index",
    "joint_export",
    "list_enter",
    "list_exit",
    "list_notice",
    "plan_commit",
    "plan_detail",
    "plan_draw",
    "plan_new",
    "plans",
    "public_firms",
    "public_firms_download",
    "public_lists",
    "public_plan",
    "record_add",
    "record_correct",
    "rule_new",
    "rules",
]
