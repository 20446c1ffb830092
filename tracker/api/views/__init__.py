"""API v1 views. Each one reads through the same selectors and scoping as the pages (another
jurisdiction's case answers 404), validates with the pages' forms and writes through the same
services, so every rule, reason, version check and history entry applies.

A package by concern: ``base`` (the documented errors, request helpers, ``ApiView``, the cursor
page), ``cases`` (cases, transitions, milestones, evidence, notes), ``audit`` (timeline, as-of,
audit log), ``readonly`` (red flags, issued reports, catalogues) and ``webhooks``. Every name is
re-exported here: ``tracker.api.urls`` and ``intermediaries.api`` import from ``tracker.api.views``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from tracker.api.views.audit import (
    PAGE_PARAM,
    AsOfView,
    AuditLogView,
    TimelineView,
    _page_number,
    timeline_response,
)
from tracker.api.views.base import (
    ERRORS,
    JSON_MAX_BYTES,
    PUBLIC_ERRORS,
    WRITE_ERRORS,
    ApiView,
    CursorPage,
    detail_response,
    etag,
    form_error,
    if_match,
    list_schema,
    log_personal,
    prefixed_error,
    subject_form,
    token_label,
    validated,
)
from tracker.api.views.cases import (
    ApiCaseFilterSet,
    CaseDetailView,
    CaseListView,
    CaseTransitionView,
    EvidenceView,
    MilestoneCompleteView,
    NoteView,
)
from tracker.api.views.readonly import (
    CatalogueDetailView,
    CatalogueListView,
    CataloguePage,
    RedFlagListView,
    RedFlagPage,
    ReportDetailView,
    ReportListView,
    ReportPage,
    ReportPdfView,
    issued_reports,
)
from tracker.api.views.webhooks import (
    DeliveryListView,
    WebhookDeactivateView,
    WebhookListView,
    WebhookPage,
    _subscription,
)

__all__ = [
    "ApiCaseFilterSet",
    "ApiView",
    "AsOfView",
    "AuditLogView",
    "CaseDetailView",
    "CaseListView",
    "CaseTransitionView",
    "CatalogueDetailView",
    "CatalogueListView",
    "CataloguePage",
    "CursorPage",
    "DeliveryListView",
    "ERRORS",
    "EvidenceView",
    "JSON_MAX_BYTES",
    "MilestoneCompleteView",
    "NoteView",
    "PAGE_PARAM",
    "PUBLIC_ERRORS",
    "RedFlagListView",
    "RedFlagPage",
    "ReportDetailView",
    "ReportListView",
    "ReportPage",
    "ReportPdfView",
    "TimelineView",
    "WRITE_ERRORS",
    "WebhookDeactivateView",
    "WebhookListView",
    "WebhookPage",
    "_page_number",
    "_subscription",
    "detail_response",
    "etag",
    "form_error",
    "gettext_lazy",
    "if_match",
    "issued_reports",
    "list_schema",
    "log_personal",
    "prefixed_error",
    "subject_form",
    "timeline_response",
    "token_label",
    "validated",
]
