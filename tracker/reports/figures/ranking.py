"""序时进度, the ranking of places and the headline figures with their change (环比)."""

from __future__ import annotations

import datetime

from django.conf import settings

from tracker.models import Jurisdiction, MonthlyReport
from tracker.reports.figures.grouped import Group
from tracker.reports.figures.periods import Period
from tracker.reports.figures.tallies import pct

# --- schedule, ranking, month-on-month ------------------------------------------------------


def schedule_pct(period: Period) -> float:
    """序时进度: the share of the year gone at month end (the clean-up ends 31 December)."""
    return round(100.0 * period.start.month / 12, 1)


def rank_places(jurisdictions: dict, schedule: float) -> list[dict]:
    """Per row: the gap to the schedule (points) and the rank by completion rate.

    Only the subordinate places (counties, districts) are ranked; the report's own level (本级)
    and places with nothing to do get no rank. Equal rates share a rank (1, 2, 2, 4).
    Returns the lagging places: a rate more than REPORT_LAG_POINTS below the schedule.
    """
    rows = jurisdictions["rows"]
    for row in rows:
        row["gap"] = None if row["pct"] is None else round(row["pct"] - schedule, 1)
        row["rank"] = None
    ranked = sorted(
        (r for r in rows if not r.get("self") and r["pct"] is not None),
        key=lambda r: (-r["pct"], r["code"]),
    )
    for i, row in enumerate(ranked):
        same = i and ranked[i - 1]["pct"] == row["pct"]
        row["rank"] = ranked[i - 1]["rank"] if same else i + 1
    limit = float(getattr(settings, "REPORT_LAG_POINTS", 10))
    lagging = [r for r in ranked if r["gap"] < -limit]
    lagging.sort(key=lambda r: (r["gap"], r["code"]))
    return [
        {
            "code": r["code"],
            "label": r["label"],
            "pct": r["pct"],
            "gap": r["gap"],
            "rank": r["rank"],
            "overdue": r["overdue"],
            "remaining": r["target"] - r["cumulative"],
        }
        for r in lagging
    ]


HEADLINE_KEYS = ("target", "this_month", "cumulative", "pct", "overdue")


def headline(total: dict, start: dict, previous: dict | None) -> dict:
    """The headline figures with their change on the previous month (环比).

    ``previous``: the total of the previous month's standing issued report, when there is one
    (exact, frozen); otherwise the state at the start of this month (``start``: target and
    cumulative done; nothing for the figures that only a month's report knows).
    """
    base = previous if previous is not None else start
    change = {}
    for key in HEADLINE_KEYS:
        before = base.get(key)
        now = total.get(key)
        change[key] = None if before is None or now is None else round(now - before, 1)
    return {
        **{k: total.get(k) for k in HEADLINE_KEYS},
        "previous": {k: base.get(k) for k in HEADLINE_KEYS},
        "change": change,
        "basis": "report" if previous is not None else "month_start",
    }


def _month_start_total(groups: list[Group]) -> dict:
    """Target and cumulative done as they stood when the month began (same groups)."""
    target = sum(g.n for g in groups if g.existed_prev and not g.withdrawn)
    done = sum(g.n for g in groups if g.existed_prev and g.done_prev and not g.withdrawn)
    return {"target": target, "cumulative": done, "pct": pct(done, target)}


def _previous_report_total(root: Jurisdiction, period: Period) -> dict | None:
    """The total of the standing issued report for the month before, if any."""
    previous = (period.start - datetime.timedelta(days=1)).replace(day=1)
    candidates = MonthlyReport.objects.filter(
        jurisdiction=root, month=previous, state=MonthlyReport.State.ISSUED
    ).order_by("-issued_at", "-id")
    for report in candidates:
        if report.stands and isinstance(report.figures, dict) and "total" in report.figures:
            return report.figures["total"]
    return None
