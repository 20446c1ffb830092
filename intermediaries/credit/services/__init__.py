"""Writes for credit and supervision. Each one checks who may do it, full_cleans and saves with
the acting user and a reason in history (so every step joins the audit chain).

A package by concern: ``records`` (the record kind catalogue, credit records), ``rules``
(scoring rule versions), ``lists`` (red and black lists), ``spot_checks`` and ``complaints``.
Every name is re-exported here: import from ``intermediaries.credit.services``.
"""

from __future__ import annotations

from intermediaries.credit.services.complaints import (
    TRACKING_ALPHABET,
    _link_substantiated,
    _match_subject,
    add_working_days,
    complaint_submit,
    complaint_triage,
)
from intermediaries.credit.services.lists import (
    list_enter,
    list_exit,
    list_notice,
)
from intermediaries.credit.services.records import (
    CHECK_RESULT_KINDS,
    DEFAULT_KINDS,
    _record_create,
    _require_admin,
    catalogue_ensure,
    record_add,
    record_correct,
    record_from_red_flag,
    record_kind,
)
from intermediaries.credit.services.rules import (
    rule_publish,
)
from intermediaries.credit.services.spot_checks import (
    _candidate_firms,
    check_result,
    linked_inspectors,
    plan_commit,
    plan_create,
    plan_draw,
)

__all__ = [
    "CHECK_RESULT_KINDS",
    "DEFAULT_KINDS",
    "TRACKING_ALPHABET",
    "_candidate_firms",
    "_link_substantiated",
    "_match_subject",
    "_record_create",
    "_require_admin",
    "add_working_days",
    "catalogue_ensure",
    "check_result",
    "complaint_submit",
    "complaint_triage",
    "linked_inspectors",
    "list_enter",
    "list_exit",
    "list_notice",
    "plan_commit",
    "plan_create",
    "plan_draw",
    "record_add",
    "record_correct",
    "record_from_red_flag",
    "record_kind",
    "rule_publish",
]
