"""Spreadsheet import: a preview that validates the whole file and writes nothing but the
ImportBatch record, and a commit that writes every row or none, with history and audit chain.

Created rows take the bulk path (``tracker.imports.bulk.bulk_insert_with_history``, the fast
equivalent of ``tracker.audit.chain.bulk_create_with_history``: cases, subjects, milestones, each with
its history row and chain link); updated rows go through
``tracker.cases.services.case_update``. Every history row carries the reason
``import <file name> <sha256 prefix>``.

A package by concern: ``report`` (ImportReport, outcomes, the history reason), ``analysis``
(reads only), ``options`` (defaults, accepted warnings, chosen departments), ``validation``
(owners, outcomes, model checks), ``preview`` (what the preview page shows), ``writing`` and
``entry_points`` (preview, commit, import_file). Every name is re-exported here: import from
``tracker.imports.services``. The writer looks the bulk helpers up on this package at call
time, so replacing ``tracker.imports.services.bulk_insert_rows_with_history`` takes effect.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from tracker.imports.bulk import bulk_insert_rows_with_history, bulk_insert_with_history
from tracker.imports.services.analysis import _max_lengths, _parse_row, analyse
from tracker.imports.services.entry_points import (
    _batch_file_name,
    _keep_file,
    _record,
    _resolve,
    _Rollback,
    batch_analyse,
    batch_data,
    import_commit,
    import_file,
    import_preview,
    jurisdiction_from_title,
)
from tracker.imports.services.options import (
    ImportOptions,
    batch_accept_warning,
    batch_choose_department,
    parse_accepted,
    parse_defaults,
    resolve_defaults,
    warning_acceptance,
)
from tracker.imports.services.preview import _shown, row_diff, row_display, unresolved_names
from tracker.imports.services.report import (
    DUPLICATE_POLICIES,
    OUTCOME_LABELS,
    OUTCOMES,
    ImportRefused,
    ImportReport,
    history_reason,
    sha256_of,
    size_message,
)
from tracker.imports.services.validation import (
    _REQUIRED,
    _classify,
    _collect,
    _diff_and_validate,
    _differs,
    _field_headers,
    _owners,
    _required_fields,
    _validate,
    _validate_new,
)
from tracker.imports.services.writing import (
    _milestones,
    _remark_notes,
    _remark_text,
    _write,
    reserve_references,
)

__all__ = [
    "ValidationError",
    "bulk_insert_rows_with_history",
    "bulk_insert_with_history",
    "DUPLICATE_POLICIES",
    "ImportOptions",
    "ImportRefused",
    "ImportReport",
    "OUTCOMES",
    "OUTCOME_LABELS",
    "_REQUIRED",
    "_Rollback",
    "_batch_file_name",
    "_classify",
    "_collect",
    "_diff_and_validate",
    "_differs",
    "_field_headers",
    "_keep_file",
    "_max_lengths",
    "_milestones",
    "_owners",
    "_parse_row",
    "_record",
    "_remark_notes",
    "_remark_text",
    "_required_fields",
    "_resolve",
    "_shown",
    "_validate",
    "_validate_new",
    "_write",
    "analyse",
    "batch_accept_warning",
    "batch_analyse",
    "batch_choose_department",
    "batch_data",
    "history_reason",
    "import_commit",
    "import_file",
    "import_preview",
    "jurisdiction_from_title",
    "parse_accepted",
    "parse_defaults",
    "reserve_references",
    "resolve_defaults",
    "row_diff",
    "row_display",
    "sha256_of",
    "size_message",
    "unresolved_names",
    "warning_acceptance",
]
