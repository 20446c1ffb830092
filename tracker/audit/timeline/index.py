"""The index: one UNION ALL over the history tables (source, history id, time), filtered in SQL."""

from __future__ import annotations

from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Subquery, Value

from tracker.audit import asof
from tracker.audit.timeline.source_specs import Source, case_sources
from tracker.cases.workflow import Status
from tracker.models import Case

# --- the index ---------------------------------------------------------------------------


def _status_before(history_model) -> Subquery:
    return Subquery(
        history_model.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        .order_by("-history_id")
        .values("status")[:1]
    )


def _with_action(source: Source, qs: QuerySet, action: str) -> QuerySet | None:
    """Restrict one source's rows to an action, or None if the source never has it."""
    if not action:
        return qs
    if action not in source.actions():
        return None
    if source.key == "case":
        if action == "create":
            return qs.filter(history_type="+")
        qs = qs.exclude(history_type="+").annotate(status_before=_status_before(source.model))
        if action == "update":
            return qs.filter(status=F("status_before"))
        if action == "withdraw":
            return qs.filter(status=Status.WITHDRAWN).exclude(status_before=Status.WITHDRAWN)
        return qs.exclude(status=F("status_before")).exclude(status=Status.WITHDRAWN)
    if source.create_action == source.change_action:
        return qs
    if action == source.create_action:
        return qs.filter(history_type="+")
    return qs.exclude(history_type="+")


def _index_part(source: Source, qs: QuerySet) -> QuerySet:
    return (
        qs.order_by()
        .annotate(src=Value(source.key, output_field=CharField()))
        .values("history_id", "history_date", "src")
    )


def _union(parts: list[QuerySet]) -> QuerySet | None:
    if not parts:
        return None
    index = parts[0] if len(parts) == 1 else parts[0].union(*parts[1:], all=True)
    return index.order_by("-history_date", "-history_id")


def _case_parts(
    case: Case, *, action: str = "", user_id: int | None = None, until=None
) -> list[QuerySet]:
    parts = []
    for source in case_sources(case.kind):
        qs = source.model.objects.filter(**{source.case_attname: case.pk})
        if user_id:
            qs = qs.filter(history_user_id=user_id)
        if until is not None:
            qs = qs.filter(asof.as_of_moment(until))
        qs = _with_action(source, _without_registration_rows(source, qs), action)
        if qs is not None:
            parts.append(_index_part(source, qs))
    return parts


def _registration_q(source: Source) -> Q:
    """Rows of a subject or milestone written with their case's registration (same instant)."""
    registered = Case.history.model.objects.filter(
        id=OuterRef(source.case_attname), history_type="+", history_date=OuterRef("history_date")
    )
    return Q(Exists(registered))


def _without_registration_rows(source: Source, qs: QuerySet) -> QuerySet:
    """One version per user action: a registration is listed once, as its case's entry."""
    if source.key.startswith("subject.") or source.key == "milestone":
        return qs.exclude(_registration_q(source))
    return qs
