"""The global audit log and the inspectors' "changed since my last review" queue."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import models
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from tracker.audit import asof
from tracker.audit.timeline.entries import TimelineEntry, diff_fields
from tracker.audit.timeline.hydration import hydrate
from tracker.audit.timeline.index import (
    _index_part,
    _union,
    _with_action,
    _without_registration_rows,
)
from tracker.audit.timeline.pages import TimelinePage, _paginate
from tracker.audit.timeline.source_specs import (
    ACTION_LABELS,
    Source,
    TimelineError,
    case_sources,
    sources,
)
from tracker.cases.scoping import jurisdiction_filter
from tracker.models import Department, Jurisdiction, ReviewMarker, User

# --- the global audit log --------------------------------------------------------------------


@dataclass
class AuditFilters:
    """The global audit log's filters; each one already checked against the viewer's scope."""

    user: User | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    kind: str = ""
    jurisdiction: Jurisdiction | None = None
    department: Department | None = None
    action: str = ""
    text: str = ""


def _text_q(source: Source, text: str) -> Q:
    q = Q(history_change_reason__icontains=text)
    if source.key == "case":
        q |= Q(reference__icontains=text) | Q(title__icontains=text)
    elif source.case_field:
        q |= Q(case__reference__icontains=text) | Q(case__title__icontains=text)
    for f in diff_fields(source.model):
        if isinstance(f, (models.CharField, models.TextField)) and not f.choices:
            q |= Q(**{f"{f.name}__icontains": text})
    return q


def audit_index(viewer: User, filters: AuditFilters) -> QuerySet | None:
    """The ordered index (src, history_id, history_date) of every change in the viewer's scope."""
    if filters.action and filters.action not in ACTION_LABELS:
        raise TimelineError(_("未知的操作类型：%(v)s") % {"v": filters.action})
    parts = []
    for source in sources().values():
        if source.case_field is None and (filters.kind or filters.department):
            continue  # registers have no case kind and no responsible department
        if source.kind and filters.kind and source.kind != filters.kind:
            continue
        on_case = "" if source.case_field == "id" else "case__"
        qs = source.model.objects.filter(jurisdiction_filter(viewer, source.jurisdiction_field))
        if filters.kind and source.case_field:
            qs = qs.filter(**{f"{on_case}kind": filters.kind})
        if filters.department is not None:
            qs = qs.filter(**{f"{on_case}department": filters.department.pk})
        if filters.jurisdiction is not None:
            subtree = Jurisdiction.objects.filter(path__startswith=filters.jurisdiction.path)
            qs = qs.filter(**{f"{source.jurisdiction_field}__in": subtree.values("pk")})
        if filters.user is not None:
            qs = qs.filter(history_user_id=filters.user.pk)
        if filters.date_from:
            qs = qs.filter(history_date__gte=asof.local_midnight(filters.date_from))
        if filters.date_to:
            qs = qs.filter(asof.as_of_day(filters.date_to))
        if filters.text.strip():
            qs = qs.filter(_text_q(source, filters.text.strip()))
        qs = _with_action(source, _without_registration_rows(source, qs), filters.action)
        if qs is not None:
            parts.append(_index_part(source, qs))
    return _union(parts)


def audit_log(
    viewer: User, filters: AuditFilters, *, page: int | str = 1, per_page: int = 50
) -> TimelinePage:
    """One page of every change in the viewer's scope, newest first, with case details."""
    return _paginate(audit_index(viewer, filters), page, per_page, with_cases=True)


def audit_rows(
    viewer: User, filters: AuditFilters, *, limit: int, chunk: int = 1000
) -> tuple[int, Iterator[TimelineEntry]]:
    """For exports: the row count and an iterator over the entries, hydrated chunk by chunk."""
    index = audit_index(viewer, filters)
    rows = list(index[: limit + 1]) if index is not None else []
    if len(rows) > limit:
        raise TimelineError(
            _("符合条件的记录超过 %(n)d 条，请缩小筛选范围（例如日期或行政区划）后再导出。")
            % {"n": limit}
        )

    def generate() -> Iterator[TimelineEntry]:
        for start in range(0, len(rows), chunk):
            yield from hydrate(rows[start : start + chunk], with_cases=True)

    return len(rows), generate()


# --- "changed since my last review" --------------------------------------------------------


def review_queue(inspector: User) -> QuerySet[ReviewMarker]:
    """The inspector's review markers on cases in scope, with the count of newer changes.

    Changes by the inspector themself do not count. Only markers with changes are returned.
    """
    total = Value(0, output_field=models.IntegerField())
    for source in case_sources():
        counts = (
            source.model.objects.filter(
                **{source.case_attname: OuterRef("case_id")},
                history_date__gt=OuterRef("reviewed_up_to"),
            )
            .exclude(history_user_id=inspector.pk)
            .order_by()
            .values(source.case_attname)
            .annotate(n=Count("history_id"))
            .values("n")
        )
        total = total + Coalesce(Subquery(counts), Value(0))
    return (
        ReviewMarker.objects.filter(inspector=inspector)
        .filter(jurisdiction_filter(inspector, "case__jurisdiction"))
        .annotate(new_events=total)
        .filter(new_events__gt=0)
        .select_related("case", "case__jurisdiction", "case__department")
        .order_by("-new_events", "case__reference")
    )
