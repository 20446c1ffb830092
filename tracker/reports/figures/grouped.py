"""The report's scope and the one grouped pass over case history at month end."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from tracker.cases.registry import kinds
from tracker.cases.workflow import Status
from tracker.models import Case, Jurisdiction, Milestone
from tracker.reports.figures.periods import DONE_STATUSES, OPEN_VALUES, ZERO, Period
from tracker.reports.figures.sql import (
    _as_date,
    _d,
    _dt,
    _fetch,
    _hist_table,
    _id_agg,
    _in_list,
    _latest,
    _money,
    _table,
)

# --- the scope -----------------------------------------------------------------------------


@dataclass
class Scope:
    """The report's jurisdiction, its subtree and which row each jurisdiction rolls up into."""

    root: Jurisdiction | None
    rows: list[dict]  # [{"id", "code", "name", "label", "self"}] in display order
    row_of: dict[int, int]  # jurisdiction id -> index into rows
    path_prefix: str


def _scope(root: Jurisdiction | None) -> Scope:
    prefix = root.path if root is not None else "/"
    subtree = list(
        Jurisdiction.objects.filter(path__startswith=prefix)
        .order_by("code")
        .values("id", "code", "name", "path", "parent_id", "valid_from", "valid_to")
    )
    if root is not None:
        heads = [j for j in subtree if j["id"] == root.pk]
        heads += [j for j in subtree if j["parent_id"] == root.pk]
    else:
        heads = [j for j in subtree if j["parent_id"] is None]
    rows = []
    for head in heads:
        is_self = root is not None and head["id"] == root.pk
        label = head["name"]
        if is_self and len(heads) > 1:
            label = _("%(name)s（本级）") % {"name": head["name"]}
        rows.append({**head, "label": label, "self": is_self})
    row_of: dict[int, int] = {}
    child_paths = [(h["path"], i) for i, h in enumerate(rows) if not h["self"]]
    for j in subtree:
        if root is not None and j["id"] == root.pk:
            row_of[j["id"]] = 0
            continue
        for path, index in child_paths:
            if j["path"].startswith(path):
                row_of[j["id"]] = index
                break
    return Scope(root=root, rows=rows, row_of=row_of, path_prefix=prefix)


# --- one pass over case history: grouped counts ----------------------------------------------


@dataclass
class Group:
    """One GROUP BY row of case states at month end (with the dimensions the report needs)."""

    juris_id: int
    dept_id: int | None
    kind: str
    status: str
    disposition: str
    existed_prev: bool
    done_prev: bool
    overdue: bool
    aff_type: str
    firm_change_done: bool
    pay_returned: bool
    key_done: bool
    n: int
    pay_sum: Decimal = Decimal("0")
    revenue_sum: Decimal = Decimal("0")
    key_date: datetime.date | None = None

    @property
    def done(self) -> bool:
        return self.status in DONE_STATUSES

    @property
    def withdrawn(self) -> bool:
        return self.status == Status.WITHDRAWN


# The report's subject dimensions (each kind maps some of them to its own columns through
# CaseKind.report_columns): a category, two yes/no facts, an amount and a sum of money.
SUBJECT_DEFAULTS = {"aff": "''", "fcd": "0", "pr": "0", "pay": "NULL", "rev": "NULL"}


@dataclass
class _Sql:
    """Parameters and fragments shared by one report's queries."""

    scope: Scope
    period: Period
    prefilter: bool
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.params.update(
            {
                "next": _dt(self.period.next_start),
                "prev_next": _dt(self.period.prev_next),
                "end_date": _d(self.period.end),
                "path": self.scope.path_prefix + "%",
                "deleted": "-",
            }
        )
        self.open_in = _in_list("open", OPEN_VALUES, self.params)
        self.done_in = _in_list("done", DONE_STATUSES, self.params)

    @property
    def subtree(self) -> str:
        return f"(SELECT id FROM {_table(Jurisdiction)} WHERE path LIKE %(path)s)"

    def where(self, case_column: str) -> str:
        """History rows up to month end; for a subtree report, of cases ever in the subtree."""
        cond = "history_date < %(next)s"
        if self.prefilter:
            hc = _hist_table(Case)
            cond += (
                f" AND {case_column} IN (SELECT id FROM {hc} WHERE jurisdiction_id IN "
                f"{self.subtree})"
            )
        return cond


def _pivot_ctes(ctx: _Sql) -> tuple[list[str], list[str], dict[str, str]]:
    """The CTEs up to ``st`` (per case: the history ids of its case, key-milestone and subject
    rows at month end), the joins that read the subject rows and the subject columns."""
    key_in = _in_list(
        "key", sorted({k.key_milestone for k in kinds() if k.key_milestone}), ctx.params
    )
    ctes = _latest("c", Case, ctx.where("id"), prev=True)
    ctes += _latest(
        "k",
        Milestone,
        f"{ctx.where('case_id')} AND code IN {key_in}",
        access="scan",
        carry="case_id",
    )
    none = "CAST(NULL AS BIGINT)"
    parts = [
        "SELECT id AS cid, e AS hid, p AS hid2, 1 AS src FROM c_x",
        f"SELECT case_id, e, {none}, 3 FROM k_x",
    ]
    specs = {k.key: k for k in kinds()}
    joins, columns = [], dict(SUBJECT_DEFAULTS)
    pivot = [
        "MAX(CASE WHEN src = 1 THEN hid END) AS e",
        "MAX(CASE WHEN src = 1 THEN hid2 END) AS p",
        "MAX(CASE WHEN src = 3 THEN hid END) AS k",
    ]
    subject_columns = {k.key: k.report_columns for k in kinds() if k.report_columns}
    for i, (kind_key, cols) in enumerate(subject_columns.items(), start=4):
        spec = specs[kind_key]
        history = spec.subject_model.history.model
        table, name = _table(history), f"s{i}"
        ctes += _latest(
            name, spec.subject_model, ctx.where("case_id"), access="scan", carry="case_id"
        )
        parts.append(f"SELECT case_id, e, {none}, {i} FROM {name}_x")
        pivot.append(f"MAX(CASE WHEN src = {i} THEN hid END) AS {name}")
        joins.append(
            f"LEFT JOIN {table} {name} ON {name}.history_id = st.{name} "
            f"AND {name}.history_type <> %(deleted)s"
        )
        columns.update({k: v.replace("s.", f"{name}.") for k, v in cols.items()})
    unknown = set(columns) - set(SUBJECT_DEFAULTS)
    if unknown:
        raise ValueError(f"CaseKind.report_columns: unknown report dimensions {sorted(unknown)}")
    ctes.append("u AS (" + " UNION ALL ".join(parts) + ")")
    ctes.append(f"st AS (SELECT cid, {', '.join(pivot)} FROM u GROUP BY cid)")
    return ctes, joins, columns


def _cases_cte(ctx: _Sql, joins: list[str], columns: dict[str, str]) -> str:
    """``cases``: one row per case with its month-end state in the report's dimensions."""
    hc, hm = _hist_table(Case), _hist_table(Milestone)
    overdue = f"CASE WHEN e.status IN {ctx.open_in} AND e.deadline < %(end_date)s THEN 1 ELSE 0 END"
    # Unchanged during the month (p = e): the state before is the state at the end.
    prev_type = "CASE WHEN st.p = st.e THEN e.history_type ELSE pr.history_type END"
    prev_status = "CASE WHEN st.p = st.e THEN e.status ELSE pr.status END"
    existed = f"CASE WHEN st.p IS NOT NULL AND {prev_type} <> %(deleted)s"
    return f"""cases AS (
        SELECT e.jurisdiction_id AS juris, e.department_id AS dept, e.kind AS kind,
            e.status AS status, COALESCE(e.disposition, '') AS disposition,
            {existed} THEN 1 ELSE 0 END AS existed_prev,
            {existed} AND {prev_status} IN {ctx.done_in} THEN 1 ELSE 0 END AS done_prev,
            {overdue} AS overdue,
            COALESCE({columns["aff"]}, '') AS aff,
            {columns["fcd"]} AS fcd,
            {columns["pr"]} AS pr,
            CASE WHEN k.done THEN 1 ELSE 0 END AS kdone,
            {columns["pay"]} AS pay,
            {columns["rev"]} AS rev,
            CASE WHEN k.done THEN k.effective_date END AS kdate,
            e.history_id AS hid
        FROM st
        LEFT JOIN {hc} e ON e.history_id = st.e
        LEFT JOIN {hc} pr ON pr.history_id = st.p AND st.p <> st.e
        LEFT JOIN {hm} k ON k.history_id = st.k AND k.history_type <> %(deleted)s
        {" ".join(joins)}
        WHERE e.history_type <> %(deleted)s
    )"""


def _grouped_sql(ctx: _Sql) -> str:
    ctes, joins, columns = _pivot_ctes(ctx)
    ctes.append(_cases_cte(ctx, joins, columns))
    # Two groupings of the same rows: by everything the streams and jurisdictions need
    # (department left out), and by department with the status reduced to withdrawn / done /
    # open (all a department row needs), so neither returns a row per odd combination.
    ctx.params["withdrawn"] = Status.WITHDRAWN.value
    status_class = (
        f"CASE WHEN status = %(withdrawn)s THEN %(withdrawn)s "
        f"WHEN status IN {ctx.done_in} THEN 'completed' ELSE 'registered' END"
    )
    return f"""
        WITH {", ".join(ctes)}
        SELECT 'j', juris, CAST(NULL AS BIGINT), kind, status, disposition, existed_prev,
            done_prev, overdue, aff, fcd, pr, kdone, COUNT(*), SUM(pay), SUM(rev), MAX(kdate),
            {_id_agg("CASE WHEN overdue = 1 THEN hid END")}
        FROM cases
        GROUP BY juris, kind, status, disposition, existed_prev, done_prev, overdue, aff, fcd,
            pr, kdone
        UNION ALL
        SELECT 'd', juris, dept, '', {status_class}, '', existed_prev, done_prev, overdue,
            '', 0, 0, 0, COUNT(*), NULL, NULL, NULL, NULL
        FROM cases
        GROUP BY juris, dept, {status_class}, existed_prev, done_prev, overdue
    """


def _group_of(row: tuple) -> Group:
    return Group(
        juris_id=row[1],
        dept_id=row[2],
        kind=row[3],
        status=row[4],
        disposition=row[5] or "",
        existed_prev=bool(row[6]),
        done_prev=bool(row[7]),
        overdue=bool(row[8]),
        aff_type=row[9] or "",
        firm_change_done=bool(row[10]),
        pay_returned=bool(row[11]),
        key_done=bool(row[12]),
        n=int(row[13]),
        pay_sum=ZERO if row[14] is None else Decimal(_money(row[14])),
        revenue_sum=ZERO if row[15] is None else Decimal(_money(row[15])),
        key_date=_as_date(row[16]),
    )


def _grouped_states(ctx: _Sql) -> tuple[list[Group], list[Group], list[int]]:
    """Every in-scope case's state at month end, grouped; and the overdue cases' history ids.

    One GROUP BY pass per history table finds the latest rows (cases: at month end and before
    the month began). Only history ids travel through the pivot that pairs them per case (a
    narrow sort, never a join between derived tables); the rows themselves are then read by
    primary key and grouped by the report's dimensions.
    """
    groups, by_department, overdue_ids = [], [], []
    for row in _fetch(_grouped_sql(ctx), ctx.params):
        if row[1] not in ctx.scope.row_of:
            continue  # in the subtree at some time, but not at month end
        group = _group_of(row)
        if row[0] == "d":
            by_department.append(group)
            continue
        groups.append(group)
        if row[17]:
            overdue_ids.extend(int(v) for v in str(row[17]).split(","))
    return groups, by_department, overdue_ids
