"""Write services: every change to tracked data goes through one of these functions.

Each one records the acting user and a reason in history (django-simple-history).

A package by concern: ``common`` (the tracked save and the shared checks and refusals),
``cases`` (register, edit, transition), ``evidence`` (the upload check, attach, supersede),
``milestones`` (complete), ``notes`` (append) and ``withdrawals`` (request, approve or
refuse). Every name is re-exported here: import from
``tracker.cases.services``.
"""

from __future__ import annotations

from tracker.cases.services.cases import (
    Decision,
    _changed_fields,
    _next_reference,
    case_create,
    case_transition,
    case_update,
    milestone_due_dates,
)
from tracker.cases.services.common import (
    StaleEdit,
    TransitionRefused,
    owner_choices,
    require_editable,
    require_editor,
    require_owner_in_scope,
    require_reason,
    tracked_save,
)
from tracker.cases.services.evidence import (
    ALLOWED_EVIDENCE,
    check_evidence_file,
    evidence_add,
    evidence_supersede,
)
from tracker.cases.services.milestones import milestone_complete
from tracker.cases.services.notes import note_add
from tracker.cases.services.withdrawals import withdrawal_decide, withdrawal_request

__all__ = [
    "ALLOWED_EVIDENCE",
    "Decision",
    "StaleEdit",
    "TransitionRefused",
    "_changed_fields",
    "_next_reference",
    "case_create",
    "case_transition",
    "case_update",
    "check_evidence_file",
    "evidence_add",
    "evidence_supersede",
    "milestone_complete",
    "milestone_due_dates",
    "note_add",
    "owner_choices",
    "require_editable",
    "require_editor",
    "require_owner_in_scope",
    "require_reason",
    "tracked_save",
    "withdrawal_decide",
    "withdrawal_request",
]
