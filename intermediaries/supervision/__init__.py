"""Supervision reads for inspectors: the ties between firms, agencies and officials, as of a date.

Everything is read from history rows (django-simple-history), so a page "as of 2024-06-30" shows
what the register said at the end of that day: the latest history row of each object recorded
before the next midnight (local time), deleted objects dropped. Periods ("from … to …") are the
dates the register recorded a change, not dates claimed in documents.

Scoping: firms and departments must be in the user's jurisdiction subtree (404 otherwise), and
every case-linked row (items, decoupling cases, officials' posts) is shown only when its case's
jurisdiction is in the user's scope too.

A package by concern: ``history`` (history models, the as-of date, latest rows, periods),
``states`` (case states in scope, names, post rows), ``firm`` and ``agency`` (the two pages'
reads) and ``index`` (the index, departments in scope, the access-log record). Every name is
re-exported here: import from ``intermediaries.supervision``.
"""

from __future__ import annotations

from intermediaries.supervision.agency import (
    AffiliatedFirm,
    _employing_unit_names,
    agency_supervision,
)
from intermediaries.supervision.firm import firm_supervision
from intermediaries.supervision.history import (
    HCase,
    HDecoupling,
    HFirm,
    HItem,
    HPost,
    ItemApprovalSnapshot,
    Period,
    _affiliation_key,
    end_of_day,
    latest_rows,
    parse_as_of,
    periods,
)
from intermediaries.supervision.index import (
    INDEX_LIMIT,
    departments_for,
    log_supervision_view,
    supervision_index,
)
from intermediaries.supervision.states import (
    STATUS_LABELS,
    CaseState,
    PostRow,
    _names,
    _post_rows,
    case_states,
)

__all__ = [
    "AffiliatedFirm",
    "CaseState",
    "HCase",
    "HDecoupling",
    "HFirm",
    "HItem",
    "HPost",
    "INDEX_LIMIT",
    "ItemApprovalSnapshot",
    "Period",
    "PostRow",
    "STATUS_LABELS",
    "_affiliation_key",
    "_employing_unit_names",
    "_names",
    "_post_rows",
    "agency_supervision",
    "case_states",
    "departments_for",
    "end_of_day",
    "firm_supervision",
    "latest_rows",
    "log_supervision_view",
    "parse_as_of",
    "periods",
    "supervision_index",
]
