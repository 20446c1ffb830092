"""The report's lists: overdue cases and milestones due next month (personal kinds masked)."""

from __future__ import annotations

from collections import defaultdict

from django.db import connection
from django.utils.translation import gettext_lazy

from tracker.cases.registry import kinds
from tracker.models import Case, Department, Jurisdiction, Milestone, Note
from tracker.reports.figures.grouped import Scope, _Sql
from tracker.reports.figures.sql import (
    _as_date,
    _d,
    _fetch,
    _hist_table,
    _ids_in,
    _latest,
    _rows,
    _source,
    _table,
)

# --- lists ---------------------------------------------------------------------------------


def _personal_kinds() -> set[str]:
    """Kinds whose subjects are people: lists show neither their titles nor their notes."""
    return {k.key for k in kinds() if k.personal}


PERSONAL_TITLE = gettext_lazy("（干部兼职任职事项，涉及个人信息，详见台账）")
PERSONAL_TEXT = gettext_lazy("（涉及个人信息，详见台账）")


def _case_rows_sql(where: str, order: str = "", ctes: list[str] | None = None) -> str:
    """(id, reference, title, kind, deadline, department, jurisdiction, jurisdiction id, status)
    of the case history rows matching ``where`` (alias h), names from the current tables."""
    hc, jt, dt = _hist_table(Case), _table(Jurisdiction), _table(Department)
    with_clause = f"WITH {', '.join(ctes)}" if ctes else ""
    return f"""
        {with_clause}
        SELECT h.id, h.reference, h.title, h.kind, h.deadline, d.name, j.name,
            h.jurisdiction_id, h.status
        FROM {hc} h
        LEFT JOIN {dt} d ON d.id = h.department_id
        LEFT JOIN {jt} j ON j.id = h.jurisdiction_id
        WHERE {where} {order}
    """


def _overdue_list(ctx: _Sql, hids: list[int]) -> list[dict]:
    """Cases open at month end with a deadline before the month's last day, oldest first.

    ``hids`` are the history ids of their month-end rows, found by the grouped pass.
    """
    if not hids:
        return []
    where = _ids_in("h.history_id", "overdue_hids", hids, ctx.params)
    cases = _fetch(_case_rows_sql(where, "ORDER BY h.deadline, h.reference"), ctx.params)
    hn = _hist_table(Note)
    ctx.params["overdue_kind"] = Note.Kind.OVERDUE.value
    case_ids = _ids_in("case_id", "overdue_cases", (c[0] for c in cases), ctx.params)
    ctes = _latest("n", Note, f"history_date < %(next)s AND {case_ids}", access="id")
    notes = _rows("n", hn, "case_id, text, created_at, id") + (
        " AND history_type <> %(deleted)s AND kind = %(overdue_kind)s"
    )
    latest_note: dict[int, tuple] = {}
    for case_id, text, created, note_id in _fetch(f"WITH {', '.join(ctes)} {notes}", ctx.params):
        key = (str(created), note_id)
        if case_id not in latest_note or key > latest_note[case_id][0]:
            latest_note[case_id] = (key, text)
    personal, masked_title, masked_text = _personal_kinds(), str(PERSONAL_TITLE), str(PERSONAL_TEXT)
    out = []
    for case_id, reference, title, kind, deadline, dept, juris, _jid, _status in cases:
        deadline = _as_date(deadline)
        masked = kind in personal
        note = latest_note.get(case_id, (None, ""))[1]
        out.append(
            {
                "reference": reference,
                "title": masked_title if masked else title,
                "kind": kind,
                "department": dept or "",
                "jurisdiction": juris or "",
                "deadline": deadline.isoformat(),
                "days": (ctx.period.end - deadline).days,
                "explanation": (masked_text if masked and note else note) or "",
            }
        )
    return out


def _milestones_next(ctx: _Sql) -> list[dict]:
    """Milestones not done at month end, due in the next month, of cases open at month end."""
    hm = _hist_table(Milestone)
    ctx.params["from"] = _d(ctx.period.next_month_start)
    ctx.params["to"] = _d(ctx.period.next_month_end)
    due = "due_date >= %(from)s AND due_date <= %(to)s"
    # Only a milestone with some history row due next month can be due next month at month end.
    source = _source(Milestone.history.model, "scan")
    cand = f"(SELECT id FROM {source} WHERE history_date < %(next)s AND {due})"
    order = connection.ops.quote_name("order")
    ctes = _latest("m", Milestone, f"history_date < %(next)s AND id IN {cand}", access="id")
    milestones = _fetch(
        f"WITH {', '.join(ctes)} "
        + _rows("m", hm, f"case_id, name, due_date, {order}")
        + f" AND history_type <> %(deleted)s AND NOT done AND {due}",
        ctx.params,
    )
    if not milestones:
        return []
    case_ids = _ids_in("id", "milestone_cases", (m[0] for m in milestones), ctx.params)
    ctes = _latest("oc", Case, f"history_date < %(next)s AND {case_ids}", access="id")
    rows_sql = _case_rows_sql(
        f"h.history_id IN (SELECT e FROM oc_x) AND h.history_type <> %(deleted)s "
        f"AND h.status IN {ctx.open_in}",
        ctes=ctes,
    )
    cases = {row[0]: row for row in _fetch(rows_sql, ctx.params) if row[7] in ctx.scope.row_of}
    personal, masked_title = _personal_kinds(), str(PERSONAL_TITLE)
    rows = []
    for case_id, name, due_date, position in milestones:
        case = cases.get(case_id)
        if case is None:
            continue
        _id, reference, title, kind, _deadline, dept, juris, juris_id, _status = case
        due_date = _as_date(due_date)
        rows.append(
            (
                due_date,
                reference,
                position,
                {
                    "row": ctx.scope.row_of.get(juris_id, -1),
                    "reference": reference,
                    "title": masked_title if kind in personal else title,
                    "kind": kind,
                    "milestone": name,
                    "due_date": due_date.isoformat(),
                    "department": dept or "",
                    "jurisdiction": juris or "",
                },
            )
        )
    rows.sort(key=lambda r: r[:3])
    return [r[3] for r in rows]


def _milestone_summary(scope: Scope, items: list[dict]) -> list[dict]:
    """Milestones due next month counted per jurisdiction row and milestone name."""
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for item in items:
        counts[(item.pop("row"), item["milestone"])] += 1
    out = []
    for (index, name), n in sorted(counts.items()):
        label = scope.rows[index]["label"] if 0 <= index < len(scope.rows) else ""
        out.append({"jurisdiction": label, "milestone": name, "count": n})
    return out
