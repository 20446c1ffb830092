"""Audit pages: the global audit log and its exports, the read log, version compare, and the
inspector workspace (inspection notes, flags, review markers, "changed since my last review").

Inspectors write only workspace rows here; case data is never changed by these views.

A package by concern: ``common`` (page size, the bound audit filter form), ``logs`` (the audit
log, read log, review queue and flag list pages), ``export`` (CSV and XLSX exports of the audit
log), ``compare`` (two versions of a case) and ``workspace`` (the inspector's writes). Every
name is re-exported here: import from ``tracker.audit.views``.
"""

from __future__ import annotations

from tracker.audit.views.common import PER_PAGE, _bound_filters, _invalid_filters_message
from tracker.audit.views.compare import _version, case_compare
from tracker.audit.views.export import (
    EXPORT_FORMATS,
    EXPORT_HEADER,
    EXPORT_MAX_ROWS,
    _cell,
    _csv_stream,
    _export_row,
    _xlsx_bytes,
    audit_export,
)
from tracker.audit.views.logs import (
    _personal_references,
    access_log,
    audit_log,
    flag_list,
    review_list,
)
from tracker.audit.views.workspace import (
    _back_to_case,
    _form_error,
    _workspace_post,
    flag_raise,
    flag_resolve,
    inspection_note_add,
    review_mark,
)

__all__ = [
    "EXPORT_FORMATS",
    "EXPORT_HEADER",
    "EXPORT_MAX_ROWS",
    "PER_PAGE",
    "_back_to_case",
    "_bound_filters",
    "_cell",
    "_csv_stream",
    "_export_row",
    "_form_error",
    "_invalid_filters_message",
    "_personal_references",
    "_version",
    "_workspace_post",
    "_xlsx_bytes",
    "access_log",
    "audit_export",
    "audit_log",
    "case_compare",
    "flag_list",
    "flag_raise",
    "flag_resolve",
    "inspection_note_add",
    "review_list",
    "review_mark",
]
