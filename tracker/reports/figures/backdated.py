"""Backdated changes: history rows dated within an issued report's month, recorded after issue."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from tracker.models import Case, Jurisdiction, MonthlyReport
from tracker.reports.figures.periods import period_for
from tracker.reports.figures.sql import _dt, _fetch, _table

# --- backdated changes ---------------------------------------------------------------------


@dataclass
class BackdatedChange:
    model: str  # label of the history model, e.g. "tracker.historicalcase"
    case_id: int | None
    reference: str
    history_date: datetime.datetime | None

    @property
    def what(self) -> str:
        """The case reference, or the kind of record for changes not tied to a case."""
        if self.reference:
            return self.reference
        from django.apps import apps

        try:
            history = apps.get_model(self.model)
        except LookupError:
            return self.model
        return str(getattr(history, "instance_type", history)._meta.verbose_name)


NULL_ID = "CAST(NULL AS BIGINT)"  # typed, so every UNION branch agrees on PostgreSQL


def _history_sources() -> list[tuple[Any, str, str]]:
    """(history model, case id expression, jurisdiction id expression) for every tracked table."""
    from tracker.audit.chain import history_models

    sources = []
    for hm in history_models():
        inst = getattr(hm, "instance_type", None)
        names = {f.name for f in hm._meta.concrete_fields}
        if inst is None or inst is MonthlyReport or "history_date" not in names:
            continue
        if inst is Case:
            sources.append((hm, "h.id", "h.jurisdiction_id"))
        elif "case" in names and hm._meta.get_field("case").related_model is Case:
            sources.append((hm, "h.case_id", "c.jurisdiction_id"))
        elif inst is Jurisdiction:
            sources.append((hm, NULL_ID, "h.id"))
        elif "jurisdiction" in names:
            sources.append((hm, NULL_ID, "h.jurisdiction_id"))
        else:
            sources.append((hm, NULL_ID, NULL_ID))
    return sources


def _recorded_after_sql(min_seq: int, latest_next) -> tuple[str, dict[str, Any]]:
    """(seq, model, history date, case id, jurisdiction id) of every history row linked into
    the chain after ``min_seq`` and dated before ``latest_next``: one UNION over the tables."""
    from tracker.models import AuditChainEntry

    params: dict[str, Any] = {"min_seq": min_seq, "next": _dt(latest_next)}
    et, ct = _table(AuditChainEntry), _table(Case)
    parts = []
    for i, (hm, case_expr, juris_expr) in enumerate(_history_sources()):
        params[f"m{i}"] = hm._meta.label_lower
        join_case = f"LEFT JOIN {ct} c ON c.id = h.case_id" if juris_expr.startswith("c.") else ""
        parts.append(
            f"SELECT e.seq, e.model, h.history_date, {case_expr}, {juris_expr} "
            f"FROM {et} e JOIN {_table(hm)} h ON h.history_id = e.row_id {join_case} "
            f"WHERE e.model = %(m{i})s AND e.seq > %(min_seq)s AND h.history_date < %(next)s"
        )
    return " UNION ALL ".join(parts), params


def backdated_changes(reports: Iterable[MonthlyReport]) -> dict[int, list[BackdatedChange]]:
    """For each issued report: history rows dated at or before its month end, recorded after issue.

    "Recorded after issue" = linked into the audit chain after the chain head stored at issue
    (the chain is serialised, so sequence order is recording order). One query for all reports.
    """
    issued = [
        r
        for r in reports
        if r.state == MonthlyReport.State.ISSUED
        and isinstance(r.params, dict)
        and "chain_seq" in r.params
    ]
    result: dict[int, list[BackdatedChange]] = {r.pk: [] for r in issued}
    if not issued:
        return result
    min_seq = min(int(r.params["chain_seq"]) for r in issued)
    latest_next = max(period_for(r.month).next_start for r in issued)
    rows = _fetch(*_recorded_after_sql(min_seq, latest_next))
    if not rows:
        return result
    case_ids = {r[3] for r in rows if r[3] is not None}
    refs = dict(Case.objects.filter(pk__in=case_ids).values_list("pk", "reference"))
    paths = dict(Jurisdiction.objects.values_list("pk", "path"))
    for report in issued:
        seq = int(report.params["chain_seq"])
        bound = _dt(period_for(report.month).next_start)
        prefix = paths.get(report.jurisdiction_id, "\x00")
        seen = set()
        for e_seq, model, when, case_id, juris_id in rows:
            if e_seq <= seq or not _before(when, bound):
                continue
            if juris_id is not None and not paths.get(juris_id, "").startswith(prefix):
                continue
            key = (model, case_id)
            if key in seen:
                continue
            seen.add(key)
            result[report.pk].append(
                BackdatedChange(
                    model=model,
                    case_id=case_id,
                    reference=refs.get(case_id, "") if case_id else "",
                    history_date=_aware(when),
                )
            )
        result[report.pk].sort(key=lambda c: (c.reference == "", c.reference, c.model))
    return result


def _aware(when) -> datetime.datetime | None:
    if when is None:
        return None
    if isinstance(when, str):
        when = datetime.datetime.fromisoformat(when)
    return when.replace(tzinfo=datetime.UTC) if timezone.is_naive(when) else when


def _before(when, bound) -> bool:
    if isinstance(when, str) and isinstance(bound, str):
        return when < bound
    if isinstance(when, str):
        when = datetime.datetime.fromisoformat(when)
    if isinstance(bound, str):
        bound = datetime.datetime.fromisoformat(bound)
    if timezone.is_naive(when):
        when = when.replace(tzinfo=datetime.UTC)
    if timezone.is_naive(bound):
        bound = bound.replace(tzinfo=datetime.UTC)
    return when < bound
