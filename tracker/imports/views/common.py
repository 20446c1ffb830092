"""Shared helpers of the import pages: the scoped batch lookups, kind labels, the re-checked
preview and the access log of personal batches."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from tracker.audit.services import access_log_record
from tracker.cases.registry import kinds
from tracker.cases.scoping import (
    jurisdiction_filter,
)
from tracker.imports import services as import_services
from tracker.models import ImportBatch


def _batches_for(user):
    return ImportBatch.objects.filter(jurisdiction_filter(user)).select_related(
        "jurisdiction", "user"
    )


def _with_kind_labels(batches) -> list[ImportBatch]:
    labels = {k.key: k.label for k in kinds()}
    result = list(batches)
    for batch in result:
        batch.kind_label = labels.get(batch.kind, batch.kind)
    return result


def _batch_for(user, pk: int) -> ImportBatch:
    return get_object_or_404(_batches_for(user), pk=pk)


def _report_for(request: HttpRequest, batch: ImportBatch):
    """The preview re-checked against the database as it is now (committed: what was stored)."""
    if batch.state == ImportBatch.State.COMMITTED or not batch.file:
        return None
    policy = request.GET.get("on_duplicate")
    return import_services.batch_analyse(
        batch,
        by=request.user,
        on_duplicate=policy if policy in import_services.DUPLICATE_POLICIES else None,
    )


def _log_personal(request: HttpRequest, batch: ImportBatch, kind, action: str, **extra) -> None:
    """Every view or download of a batch of a personal kind (officials) is in the access log."""
    if kind.personal:
        access_log_record(
            user=request.user,
            action=action,
            target="import_batch",
            reference=str(batch.pk),
            query=request.GET.urlencode(),
            **extra,
        )
