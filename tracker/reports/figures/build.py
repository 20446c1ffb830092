"""The figures of one monthly report, and the dashboard's chart data in the same shape."""

from __future__ import annotations

import datetime
from collections import defaultdict
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from tracker.models import Jurisdiction
from tracker.reports.figures.accountability import redecision_rows, withdrawal_rows
from tracker.reports.figures.grouped import Group, _grouped_states, _scope, _Sql
from tracker.reports.figures.lists import _milestone_summary, _milestones_next, _overdue_list
from tracker.reports.figures.periods import (
    FIGURES_VERSION,
    REPORT_LANGUAGE,
    REPORT_WORK_MEM,
    parse_month,
    period_for,
)
from tracker.reports.figures.ranking import (
    _month_start_total,
    _previous_report_total,
    headline,
    rank_places,
    schedule_pct,
)
from tracker.reports.figures.tallies import (
    Tally,
    _current_jurisdiction_rows,
    _department_rows,
    _jurisdiction_rows,
    _stream_block,
    _stream_key,
    _streams,
)

# --- the figures ---------------------------------------------------------------------------


def _resolve_jurisdiction(jurisdiction) -> Jurisdiction:
    if isinstance(jurisdiction, Jurisdiction):
        return jurisdiction
    found = Jurisdiction.objects.filter(code=str(jurisdiction)).first()
    if found is None:
        raise ValidationError(_("行政区划代码不存在：%(c)s。") % {"c": jurisdiction})
    return found


def _needs_prefilter(root: Jurisdiction) -> bool:
    """Narrow history to cases ever in the subtree only when other jurisdictions exist."""
    return Jurisdiction.objects.exclude(path__startswith=root.path).exists()


@contextmanager
def _report_session():
    """On PostgreSQL: one read transaction with room to sort and hash in memory."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'")
            cursor.execute("SET LOCAL jit = off")  # compiling costs more than it saves here
        yield


def build_report_figures(jurisdiction, month, *, today: datetime.date | None = None) -> dict:
    """All figures of the monthly report for ``jurisdiction``'s subtree as of ``month``'s end.

    ``jurisdiction``: a Jurisdiction or its code; ``month``: "YYYY-MM" or a date in the month.
    Raises ValidationError for a malformed or future month or an unknown jurisdiction.
    """
    with translation.override(REPORT_LANGUAGE), _report_session():
        root = _resolve_jurisdiction(jurisdiction)
        period = period_for(parse_month(month, today=today))
        scope = _scope(root)
        ctx = _Sql(scope, period, prefilter=_needs_prefilter(root))
        groups, by_department, overdue_hids = _grouped_states(ctx)
        milestones = _milestones_next(ctx)
        milestone_summary = _milestone_summary(scope, milestones)
        by_kind: dict[str, list[Group]] = defaultdict(list)
        for g in groups:
            by_kind[g.kind].append(g)
        streams = [_stream_block(k, by_kind.get(k.key, [])) for k in _streams()]
        total = Tally()
        for g in groups:
            if g.juris_id in scope.row_of:
                total.add(g)
        jurisdiction_rows = _jurisdiction_rows(scope, groups, period)
        schedule = schedule_pct(period)
        lagging = rank_places(jurisdiction_rows, schedule)
        heads = headline(
            total.as_dict(),
            _month_start_total(groups),
            _previous_report_total(root, period),
        )
        return {
            "version": FIGURES_VERSION,
            "jurisdiction": {"id": root.pk, "code": root.code, "name": root.name},
            "month": period.key,
            "period": {
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "next_month": f"{period.next_month_start:%Y-%m}",
            },
            "streams": streams,
            "total": total.as_dict(),
            "schedule": schedule,
            "headline": heads,
            "lagging": lagging,
            "jurisdictions": jurisdiction_rows,
            "departments": _department_rows(by_department),
            "overdue": _overdue_list(ctx, overdue_hids),
            "milestones_next": milestones,
            "milestones_summary": milestone_summary,
            "withdrawals": withdrawal_rows(scope, period, groups),
            "redecisions": redecision_rows(scope, period),
        }


# --- dashboard chart data (current state, same row shape) ---------------------------------


def current_chart_data(user, counts=None) -> dict:
    """Progress per jurisdiction and dispositions per stream for the user's scope, as of now.

    Drawn from ``selectors.scope_counts`` (one GROUP BY over the current Case table, read
    from its covering index; the dashboard passes the counts it already has), in the same
    shape as the report's rows so the dashboard draws the same charts as the PDF.
    """
    from tracker.cases.selectors import scope_counts

    counts = counts if counts is not None else scope_counts(user)
    root = user.jurisdiction if getattr(user, "jurisdiction_id", None) else None
    scope = _scope(root)
    by_disposition = counts.dispositions
    streams = []
    for k in _streams():
        streams.append(
            {
                "key": _stream_key(k),
                "label": str(k.label),
                "dispositions": [
                    {"value": v, "label": str(label), "count": by_disposition.get((k.key, v), 0)}
                    for v, label in k.dispositions
                ],
            }
        )
    return {
        "jurisdictions": _current_jurisdiction_rows(scope, counts.by_place),
        "streams": streams,
    }
