"""Import pages: upload, preview with every row's outcome and error, commit, templates.

Reform staff and admins only; batches are scoped by jurisdiction (another's batch is a 404).

A package by concern: ``forms`` (the upload form), ``common`` (scoped batch lookups, the
re-checked preview, the access log of personal batches), ``upload`` (the import page and the
templates) and ``batch`` (one batch's pages). Every name is re-exported here, so
``tracker.imports.urls`` keeps using ``tracker.imports.views``.
"""

from __future__ import annotations

from tracker.imports.views.batch import (
    batch_accept,
    batch_commit,
    batch_detail,
    batch_errors,
    batch_file,
    batch_resolve,
)
from tracker.imports.views.common import (
    _batch_for,
    _batches_for,
    _log_personal,
    _report_for,
    _with_kind_labels,
)
from tracker.imports.views.forms import POLICY_CHOICES, UploadForm, importable_kinds
from tracker.imports.views.upload import import_index, import_template, template_workbook

__all__ = [
    "POLICY_CHOICES",
    "UploadForm",
    "_batch_for",
    "_batches_for",
    "_log_personal",
    "_report_for",
    "_with_kind_labels",
    "batch_accept",
    "batch_commit",
    "batch_detail",
    "batch_errors",
    "batch_file",
    "batch_resolve",
    "import_index",
    "import_template",
    "importable_kinds",
    "template_workbook",
]
