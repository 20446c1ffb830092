"""Monthly progress report (月报) selectors: every figure as of the month's end, from history.

The state of a case at the last moment of a month is the latest row of its history table
(django-simple-history) dated before the first moment of the next month; ties on the date go
to the row recorded last (highest history_id). That is computed in SQL, never by loading cases
one by one: one GROUP BY pass per history table finds, per object, the newest date up to month
end (and, for cases, before the month began, so "this month" = reached a status during the
month needs no second pass), an index probe turns each date into its history_id (PostgreSQL:
one sorted ARRAY_AGG instead), the ids of case, subject and key-milestone rows are paired per
case in a narrow pivot, and the rows are read by primary key and grouped by the dimensions.
Lists (overdue cases, milestones due next month) start from the ids that pass found, or from a
plain scan for candidates, and rank only those.

``build_report_figures(jurisdiction, month)`` returns a JSON-serialisable dict; the HTML page,
the PDF, the CSV and the XLSX all read it through ``report_tables`` (same rows everywhere).
Officials' posts (a personal kind) appear as counts only: titles and notes are masked in lists.

Cost at 100,000 cases / 2.2M history rows (SQLite, 2 CPUs): about 5-7 s for the figures,
2 s for the PDF, under 100 MB; an (id, history_date) index on the case history table, if a
migration adds one, is picked up and saves a third of the figures' time.
"""

from __future__ import annotations

import datetime
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracker.audit import asof
from tracker.cases.registry import CaseKind, kinds
from tracker.cases.workflow import OPEN_STATUSES, Status
from tracker.models import Case, Department, Jurisdiction, Milestone, MonthlyReport, Note

FIGURES_VERSION = 1
ZERO = Decimal("0")
REPORT_WORK_MEM = "128MB"  # PostgreSQL, for the report's transaction only
DETAIL_LIMIT = 300  # milestones due next month listed on the page and in the PDF
REPORT_LANGUAGE = "zh-hans"
REPORT_TITLE = gettext_lazy("中介服务和收费清理工作进展月报")

DONE_STATUSES = (Status.COMPLETED.value, Status.CLOSED.value)
OPEN_VALUES = tuple(sorted(s.value for s in OPEN_STATUSES))
REVIEWED_STATUSES = (
    Status.DECIDED.value,
    Status.IN_PROGRESS.value,
    Status.COMPLETED.value,
    Status.CLOSED.value,
)

MONTH_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


# --- months --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """One report month: its dates and the exclusive instants that bound history."""

    start: datetime.date  # first day of the month
    end: datetime.date  # last day of the month
    next_start: datetime.datetime  # first instant of the next month (exclusive bound)
    prev_next: datetime.datetime  # first instant of this month (= end of previous month)
    next_month_start: datetime.date
    next_month_end: datetime.date

    @property
    def key(self) -> str:
        return f"{self.start:%Y-%m}"

    @property
    def label(self) -> str:
        return _("%(y)d年%(m)d月") % {"y": self.start.year, "m": self.start.month}

    def has_ended(self, now: datetime.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.next_start


_first_of_next = asof.first_of_next_month
_local_midnight = asof.local_midnight  # history "as of" bounds come from tracker.audit.asof


def period_for(month: datetime.date) -> Period:
    start = month.replace(day=1)
    nxt = _first_of_next(start)
    after = _first_of_next(nxt)
    return Period(
        start=start,
        end=nxt - datetime.timedelta(days=1),
        next_start=asof.bound_of_month(start),
        prev_next=asof.bound_of_day(start - datetime.timedelta(days=1)),
        next_month_start=nxt,
        next_month_end=after - datetime.timedelta(days=1),
    )


def parse_month(value: Any, *, today: datetime.date | None = None) -> datetime.date:
    """'2026-11' (or a date) → the first day of that month; malformed or future → ValidationError."""
    if isinstance(value, datetime.date):
        month = value.replace(day=1)
    else:
        m = MONTH_RE.match(str(value or ""))
        if not m:
            raise ValidationError(
                _("月份格式不正确：“%(v)s”，应为 YYYY-MM，例如 2026-11。") % {"v": value}
            )
        year, mon = int(m.group(1)), int(m.group(2))
        if not (1 <= mon <= 12) or year < 2000:
            raise ValidationError(_("月份不存在：“%(v)s”。") % {"v": value})
        month = datetime.date(year, mon, 1)
    today = today or timezone.localdate()
    if month > today.replace(day=1):
        raise ValidationError(_("不能生成未来月份（%(m)s）的月报。") % {"m": f"{month:%Y-%m}"})
    return month


# --- SQL helpers ---------------------------------------------------------------------------


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _hist_table(model) -> str:
    return _table(model.history.model)


def _dt(value: datetime.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _d(value: datetime.date):
    return connection.ops.adapt_datefield_value(value)


def _as_date(value) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def _money(value) -> str:
    if value is None:
        return "0.00"
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


def _in_list(name: str, values: Iterable[str], params: dict) -> str:
    """An IN (...) list of bound parameters named name_0, name_1, ..."""
    keys = []
    for i, v in enumerate(values):
        key = f"{name}_{i}"
        params[key] = v
        keys.append(f"%({key})s")
    return "(" + ", ".join(keys or ["NULL"]) + ")"


def _fetch(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _index_named(history_model, leading: list[str]) -> str | None:
    """The name of a history table index whose columns start with ``leading``, if any."""
    for index in history_model._meta.indexes:
        if list(index.fields)[: len(leading)] == leading:
            return index.name
    return None


_ID_DATE_INDEX: dict[tuple[str, str], str | None] = {}


def _id_date_index(history_model) -> str | None:
    """An index on (id, history_date, ...) of a history table, if the database has one.

    Not declared by django-simple-history; a migration may add one with RunSQL. Looked up
    once per process and table.
    """
    table = history_model._meta.db_table
    key = (connection.alias, table)
    if key not in _ID_DATE_INDEX:
        found = None
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, table)
        for index_name, info in sorted(constraints.items()):
            if info.get("index") and (info.get("columns") or [])[:2] == ["id", "history_date"]:
                found = index_name
                break
        _ID_DATE_INDEX[key] = found
    return _ID_DATE_INDEX[key]


def _source(history_model, access: str) -> str:
    """The history table with a SQLite access hint.

    "date": a GROUP BY id over rows up to a date: walk an (id, history_date) index if the
    table has one (ordered and covering: no sort), else the (history_date, id) index (covering:
    no table reads, one sort). "scan": the filter needs other columns, read the table itself.
    "id": rows of a few listed ids, let SQLite seek them through the id index.
    """
    table = _table(history_model)
    if connection.vendor != "sqlite" or access == "id":
        return table
    if access == "scan":
        return f"{table} NOT INDEXED"
    index = _id_date_index(history_model) or _index_named(history_model, ["history_date", "id"])
    return f"{table} INDEXED BY {connection.ops.quote_name(index)}" if index else table


def _latest(
    name: str,
    model,
    where: str,
    *,
    prev: bool = False,
    access: str = "date",
    carry: str = "",
) -> list[str]:
    """CTEs ``{name}_m`` and ``{name}_x``: each object's latest history row up to month end.

    ``{name}_x`` has one row per object id with ``e``, the history_id of its latest row among
    the rows of ``model``'s history table matching ``where`` (and ``p``, the latest before the
    month began, when ``prev``; and the ``carry`` column, one that never changes, e.g. the
    case id of a subject). Two steps: the newest dates per id (one GROUP BY pass over a narrow
    index), then the highest history_id among that id's rows of that date (an index probe on
    (history_date, id)), so rows written with the same date resolve to the one recorded last.
    No window function: SQLite sorts whole rows for those, several times slower at 1M rows.
    """
    history = model.history.model
    table = _table(history)
    extra = f", {carry}" if carry else ""
    if connection.vendor == "postgresql":
        # PostgreSQL sorts once and aggregates; faster there than 100k index probes.
        order = "ORDER BY history_date DESC, history_id DESC"
        p = (
            f", (ARRAY_AGG(history_id {order}) FILTER (WHERE history_date < %(prev_next)s))[1] AS p"
            if prev
            else ""
        )
        # "id + 0" keeps the planner from walking the id index (random heap reads) instead of
        # one sequential scan and an in-memory sort; for a few listed ids the index is right.
        key = "id" if access == "id" else "id + 0"
        return [
            f"{name}_x AS (SELECT {key} AS id{extra}, (ARRAY_AGG(history_id {order}))[1] AS e{p} "
            f"FROM {table} WHERE {where} GROUP BY {key}{extra})"
        ]
    mp = ", MAX(CASE WHEN history_date < %(prev_next)s THEN history_date END) AS mp" if prev else ""

    def probe(column: str) -> str:
        return (
            f"(SELECT MAX(h.history_id) FROM {table} h "
            f"WHERE h.history_date = m.{column} AND h.id = m.id)"
        )

    p = f", {probe('mp')} AS p" if prev else ""
    carried = f", m.{carry}" if carry else ""
    return [
        f"{name}_m AS (SELECT id{extra}, MAX(history_date) AS md{mp} "
        f"FROM {_source(history, access)} WHERE {where} GROUP BY id{extra})",
        f"{name}_x AS (SELECT m.id{carried}, {probe('md')} AS e{p} FROM {name}_m m)",
    ]


def _rows(name: str, table: str, columns: str) -> str:
    """The latest rows themselves (by primary key) for the ids of ``_latest(name, ...)``."""
    return f"SELECT {columns} FROM {table} WHERE history_id IN (SELECT e FROM {name}_x)"


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


def _id_agg(expr: str) -> str:
    """A comma-separated list of ids aggregated over a group (SQLite and PostgreSQL)."""
    if connection.vendor == "postgresql":
        return f"STRING_AGG(CAST({expr} AS TEXT), ',')"
    return f"GROUP_CONCAT({expr}, ',')"


def _grouped_states(ctx: _Sql) -> tuple[list[Group], list[Group], list[int]]:
    """Every in-scope case's state at month end, grouped; and the overdue cases' history ids.

    One GROUP BY pass per history table finds the latest rows (cases: at month end and before
    the month began). Only history ids travel through the pivot that pairs them per case (a
    narrow sort, never a join between derived tables); the rows themselves are then read by
    primary key and grouped by the report's dimensions.
    """
    p = ctx.params
    hc, hm = _hist_table(Case), _hist_table(Milestone)
    key_in = _in_list("key", sorted({k.key_milestone for k in kinds() if k.key_milestone}), p)
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
    overdue = f"CASE WHEN e.status IN {ctx.open_in} AND e.deadline < %(end_date)s THEN 1 ELSE 0 END"
    # Unchanged during the month (p = e): the state before is the state at the end.
    prev_type = "CASE WHEN st.p = st.e THEN e.history_type ELSE pr.history_type END"
    prev_status = "CASE WHEN st.p = st.e THEN e.status ELSE pr.status END"
    existed = f"CASE WHEN st.p IS NOT NULL AND {prev_type} <> %(deleted)s"
    withdrawn = Status.WITHDRAWN.value
    ctes.append(
        f"""cases AS (
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
    )
    # Two groupings of the same rows: by everything the streams and jurisdictions need
    # (department left out), and by department with the status reduced to withdrawn / done /
    # open (all a department row needs), so neither returns a row per odd combination.
    p["withdrawn"] = withdrawn
    status_class = (
        f"CASE WHEN status = %(withdrawn)s THEN %(withdrawn)s "
        f"WHEN status IN {ctx.done_in} THEN 'completed' ELSE 'registered' END"
    )
    sql = f"""
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
    groups, by_department, overdue_ids = [], [], []
    for row in _fetch(sql, p):
        if row[1] not in ctx.scope.row_of:
            continue  # in the subtree at some time, but not at month end
        group = Group(
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
        if row[0] == "d":
            by_department.append(group)
            continue
        groups.append(group)
        if row[17]:
            overdue_ids.extend(int(v) for v in str(row[17]).split(","))
    return groups, by_department, overdue_ids


# --- tallies -------------------------------------------------------------------------------


@dataclass
class Tally:
    """Target, new this month, done this month, cumulative done, overdue, withdrawn."""

    target: int = 0
    new: int = 0
    this_month: int = 0
    cumulative: int = 0
    overdue: int = 0
    withdrawn: int = 0

    def add(self, g: Group) -> None:
        if g.withdrawn:
            self.withdrawn += g.n
            return
        self.target += g.n
        if not g.existed_prev:
            self.new += g.n
        if g.done:
            self.cumulative += g.n
            if not g.done_prev:
                self.this_month += g.n
        if g.overdue:
            self.overdue += g.n

    def add_current(self, status: str, n: int, late: int) -> None:
        """``add`` for cases counted as they stand now (nothing new or done "this month"):
        ``n`` cases in ``status``, ``late`` of them past their deadline."""
        if status == Status.WITHDRAWN:
            self.withdrawn += n
            return
        self.target += n
        if status in DONE_STATUSES:
            self.cumulative += n
        if status in OPEN_VALUES:
            self.overdue += late

    def merge(self, other: Tally) -> None:
        for name in ("target", "new", "this_month", "cumulative", "overdue", "withdrawn"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        return {
            "target": self.target,
            "new": self.new,
            "this_month": self.this_month,
            "cumulative": self.cumulative,
            "pct": pct(self.cumulative, self.target),
            "overdue": self.overdue,
            "withdrawn": self.withdrawn,
        }


def pct(part: int, whole: int) -> float | None:
    if not whole:
        return None
    return round(100.0 * part / whole, 1)


def pct_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _streams() -> list[CaseKind]:
    return [k for k in kinds()]


def _stream_key(kind: CaseKind) -> str:
    return kind.stream or kind.key


def _choice_label(kind: CaseKind, field_name: str, value: str) -> str:
    try:
        f = kind.subject_model._meta.get_field(field_name)
    except FieldDoesNotExist:
        return value
    return str(dict(f.flatchoices).get(value, value or _("未填")))


@dataclass
class StreamLines:
    """What a kind's ``report_details`` function reads to write its stream's detail lines."""

    kind: CaseKind
    groups: list[Group]
    tally: Tally
    reviewed_statuses: tuple[str, ...] = REVIEWED_STATUSES

    @property
    def live(self) -> list[Group]:
        return [g for g in self.groups if not g.withdrawn]

    @property
    def done(self) -> list[Group]:
        return [g for g in self.live if g.done]

    @staticmethod
    def count(groups: Iterable[Group]) -> int:
        return sum(g.n for g in groups)

    @staticmethod
    def line(label, value, unit="") -> dict:
        return {"label": str(label), "value": value, "unit": str(unit)}

    @staticmethod
    def money(value) -> str:
        return _money(value)

    def choice_label(self, field_name: str, value: str) -> str:
        return _choice_label(self.kind, field_name, value)

    def done_by_disposition(self, unit: str) -> list[dict]:
        """One "已完成：<disposition>" line per disposition of the kind."""
        return [
            self.line(
                _("已完成：%(d)s") % {"d": label},
                self.count(g for g in self.done if g.disposition == value),
                unit,
            )
            for value, label in self.kind.dispositions
        ]


def _stream_details(kind: CaseKind, groups: list[Group], tally: Tally) -> list[dict]:
    """The per-stream lines of DOMAIN.md §4, written by the kind (counts; amounts as strings)."""
    lines = StreamLines(kind, groups, tally)
    if kind.report_details is not None:
        return list(kind.report_details(lines))
    return [
        lines.line(_("目标数"), tally.target),
        lines.line(_("本月新增"), tally.new),
        *lines.done_by_disposition(""),
    ]


def _stream_block(kind: CaseKind, groups: list[Group]) -> dict:
    tally = Tally()
    for g in groups:
        tally.add(g)
    live = [g for g in groups if not g.withdrawn]
    dispositions = []
    for value, label in kind.dispositions:
        dispositions.append(
            {
                "value": value,
                "label": str(label),
                "count": sum(g.n for g in live if g.disposition == value),
            }
        )
    return {
        "key": _stream_key(kind),
        "kind": kind.key,
        "label": str(kind.label),
        "personal": kind.personal,
        **tally.as_dict(),
        "dispositions": dispositions,
        "details": _stream_details(kind, groups, tally),
    }


def _jurisdiction_rows(scope: Scope, groups: list[Group], period: Period | None) -> dict:
    stream_keys = [_stream_key(k) for k in _streams()]
    kind_stream = {k.key: _stream_key(k) for k in _streams()}
    tallies = [Tally() for _row in scope.rows]
    per_stream = [{s: Tally() for s in stream_keys} for _row in scope.rows]
    for g in groups:
        index = scope.row_of.get(g.juris_id)
        if index is None:
            continue
        tallies[index].add(g)
        stream = kind_stream.get(g.kind)
        if stream in per_stream[index]:
            per_stream[index][stream].add(g)
    return _tally_rows(scope, tallies, per_stream, period)


def _current_jurisdiction_rows(scope: Scope, by_place: list[tuple]) -> dict:
    """``_jurisdiction_rows`` for the current state (nothing new or done "this month"),
    straight from (jurisdiction, kind, status, cases, past deadline) counts with
    ``Tally.add_current``: the same tallies as ``Tally.add`` over one Group per count,
    without building the Groups."""
    stream_keys = [_stream_key(k) for k in _streams()]
    kind_stream = {k.key: _stream_key(k) for k in _streams()}
    tallies = [Tally() for _row in scope.rows]
    per_stream = [{s: Tally() for s in stream_keys} for _row in scope.rows]
    for place, kind, status, n, late in by_place:
        index = scope.row_of.get(place)
        if index is None:
            continue
        tallies[index].add_current(status, n, late)
        stream = per_stream[index].get(kind_stream.get(kind))
        if stream is not None:
            stream.add_current(status, n, late)
    return _tally_rows(scope, tallies, per_stream, None)


def _tally_rows(
    scope: Scope, tallies: list[Tally], per_stream: list[dict], period: Period | None
) -> dict:
    stream_keys = [_stream_key(k) for k in _streams()]
    rows = []
    total, total_streams = Tally(), {s: Tally() for s in stream_keys}
    for index, head in enumerate(scope.rows):
        t = tallies[index]
        if (
            period is not None
            and not _row_in_period(head, period)
            and not (t.target or t.withdrawn)
        ):
            continue
        total.merge(t)
        for s in stream_keys:
            total_streams[s].merge(per_stream[index][s])
        rows.append(
            {
                "code": head["code"],
                "name": head["name"],
                "label": head["label"],
                "self": head["self"],
                **t.as_dict(),
                "streams": {s: per_stream[index][s].as_dict() for s in stream_keys},
            }
        )
    return {
        "rows": rows,
        "total": {
            **total.as_dict(),
            "streams": {s: total_streams[s].as_dict() for s in stream_keys},
        },
    }


def _row_in_period(head: dict, period: Period) -> bool:
    if head["valid_from"] and head["valid_from"] > period.end:
        return False
    return not (head["valid_to"] and head["valid_to"] < period.start)


def _department_rows(groups: list[Group]) -> dict:
    tallies: dict[int | None, Tally] = defaultdict(Tally)
    for g in groups:
        tallies[g.dept_id].add(g)
    ids = [pk for pk in tallies if pk is not None]
    depts = {
        d["id"]: d
        for d in Department.objects.filter(pk__in=ids).values(
            "id", "name", "jurisdiction__code", "jurisdiction__name"
        )
    }
    ordered = sorted(
        ids,
        key=lambda pk: (
            depts.get(pk, {}).get("jurisdiction__code", ""),
            depts.get(pk, {}).get("name", ""),
        ),
    )
    rows, total = [], Tally()
    for pk in ordered + ([None] if None in tallies else []):
        t = tallies[pk]
        total.merge(t)
        d = depts.get(pk, {})
        rows.append(
            {
                "name": d.get("name", "") if pk is not None else str(_("未指定责任部门")),
                "jurisdiction": d.get("jurisdiction__name", ""),
                **t.as_dict(),
            }
        )
    return {"rows": rows, "total": total.as_dict()}


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


# --- lists ---------------------------------------------------------------------------------


def _personal_kinds() -> set[str]:
    """Kinds whose subjects are people: lists show neither their titles nor their notes."""
    return {k.key for k in kinds() if k.personal}


PERSONAL_TITLE = gettext_lazy("（干部兼职任职事项，涉及个人信息，详见台账）")
PERSONAL_TEXT = gettext_lazy("（涉及个人信息，详见台账）")


def _ids_in(column: str, name: str, ids: Iterable[int], params: dict) -> str:
    """``column IN (ids)`` with the ids bound as one JSON parameter (any number of them)."""
    params[name] = json.dumps(sorted({int(i) for i in ids}))
    if connection.vendor == "postgresql":
        return (
            f"{column} IN (SELECT CAST(value AS BIGINT) FROM "
            f"jsonb_array_elements_text(CAST(%({name})s AS jsonb)))"
        )
    return f"{column} IN (SELECT value FROM json_each(%({name})s))"


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


# --- tables: the rows that the page, the PDF, the CSV and the XLSX all show -------------------


@dataclass
class ReportTable:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    total: list[Any] | None = None
    numeric: list[bool] = field(default_factory=list)  # per column: right-align / number cell
    widths: list[float] = field(default_factory=list)  # relative PDF column widths
    wrap: list[bool] = field(default_factory=list)  # per column: long text that may wrap
    limit: int | None = None  # the page and the PDF show at most this many rows

    @property
    def shown_rows(self) -> list[list[Any]]:
        """The rows the page and the PDF show (CSV and XLSX always have every row)."""
        return self.rows if self.limit is None else self.rows[: self.limit]

    @property
    def truncated(self) -> bool:
        return self.limit is not None and len(self.rows) > self.limit

    @property
    def truncated_note(self) -> str:
        if not self.truncated:
            return ""
        return _("共 %(n)d 行，此处列出前 %(k)d 行；完整清单见 CSV/XLSX 下载。") % {
            "n": len(self.rows),
            "k": self.limit,
        }

    def html_rows(self) -> list[list[tuple[Any, bool]]]:
        """Rows as (value, numeric) pairs for the page."""
        return [list(zip(r, self.numeric, strict=False)) for r in self.shown_rows]

    def html_total(self) -> list[tuple[Any, bool]]:
        return list(zip(self.total or [], self.numeric, strict=False))


def _progress_cells(t: dict) -> list[Any]:
    return [t["target"], t["this_month"], t["cumulative"], pct_text(t["pct"]), t["overdue"]]


def gap_text(value: float | None) -> str:
    """A gap or change in percentage points, signed."""
    return "—" if value is None else f"{value:+.1f}"


def change_text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:+.1f}"
    return f"{int(value):+d}"


def _headline_table(figures: dict) -> ReportTable:
    head = figures.get("headline") or {}
    prev, change = head.get("previous", {}), head.get("change", {})
    basis = _("上月月报") if head.get("basis") == "report" else _("本月初")
    labels = [
        ("target", _("目标数（项）")),
        ("this_month", _("本月完成（项）")),
        ("cumulative", _("累计完成（项）")),
        ("pct", _("完成率（%）")),
        ("overdue", _("逾期（项）")),
    ]
    rows = []
    for key, label in labels:
        now, before = head.get(key), prev.get(key)
        fmt = pct_text if key == "pct" else (lambda v: "—" if v is None else v)
        rows.append([label, fmt(now), fmt(before), change_text(change.get(key))])
    rows.append(
        [
            _("序时进度（%）"),
            pct_text(figures.get("schedule")),
            "",
            _("差 %(g)s 个百分点")
            % {"g": gap_text(_gap(figures["total"]["pct"], figures.get("schedule")))},
        ]
    )
    return ReportTable(
        key="headline",
        title=_("四、主要指标及环比"),
        headers=[_("指标"), _("本月末"), basis, _("环比")],
        rows=rows,
        numeric=[False, True, True, True],
        widths=[3, 1.4, 1.4, 2],
    )


def _gap(value: float | None, schedule: float | None) -> float | None:
    if value is None or schedule is None:
        return None
    return round(value - schedule, 1)


def _rank_text(value) -> str:
    return "—" if value is None else str(value)


def report_tables(figures: dict) -> list[ReportTable]:
    """Every table of the report, in order; keys name the CSV/XLSX downloads."""
    progress_headers = [_("目标数"), _("本月完成"), _("累计完成"), _("完成率"), _("逾期")]
    tables: list[ReportTable] = []
    streams = figures["streams"]
    if "headline" in figures:
        tables.append(_headline_table(figures))
    tables.append(
        ReportTable(
            key="summary",
            title=_("（一）分类进展汇总"),
            headers=[
                _("类别"),
                _("目标数"),
                _("本月新增"),
                _("本月完成"),
                _("累计完成"),
                _("完成率"),
                _("逾期"),
            ],
            rows=[
                [
                    f"{s['key']} {s['label']}",
                    s["target"],
                    s["new"],
                    s["this_month"],
                    s["cumulative"],
                    pct_text(s["pct"]),
                    s["overdue"],
                ]
                for s in streams
            ],
            total=[
                _("合计"),
                figures["total"]["target"],
                figures["total"]["new"],
                figures["total"]["this_month"],
                figures["total"]["cumulative"],
                pct_text(figures["total"]["pct"]),
                figures["total"]["overdue"],
            ],
            numeric=[False] + [True] * 6,
            widths=[3, 1, 1, 1, 1, 1, 1],
        )
    )
    for s in streams:
        tables.append(
            ReportTable(
                key=f"stream_{s['key']}",
                title=_("%(k)s %(l)s：主要指标") % {"k": s["key"], "l": s["label"]},
                headers=[_("指标"), _("数值"), _("单位")],
                rows=[[d["label"], d["value"], d["unit"]] for d in s["details"]]
                + [
                    [_("处理决定：%(d)s") % {"d": d["label"]}, d["count"], ""]
                    for d in s["dispositions"]
                ],
                numeric=[False, True, False],
                widths=[5, 1.5, 1],
            )
        )
    j = figures["jurisdictions"]
    schedule = figures.get("schedule")
    tables.append(
        ReportTable(
            key="jurisdictions",
            title=_("五、分地区进展及排名（序时进度 %(s)s）") % {"s": pct_text(schedule)},
            headers=[
                _("行政区划"),
                _("目标数"),
                _("本月完成"),
                _("累计完成"),
                _("完成率"),
                _("序时进度差"),
                _("排名"),
                _("逾期"),
            ],
            rows=[
                [
                    r["label"],
                    r["target"],
                    r["this_month"],
                    r["cumulative"],
                    pct_text(r["pct"]),
                    gap_text(r.get("gap", _gap(r["pct"], schedule))),
                    _rank_text(r.get("rank")),
                    r["overdue"],
                ]
                for r in j["rows"]
            ],
            total=[
                _("合计"),
                j["total"]["target"],
                j["total"]["this_month"],
                j["total"]["cumulative"],
                pct_text(j["total"]["pct"]),
                gap_text(_gap(j["total"]["pct"], schedule)),
                "",
                j["total"]["overdue"],
            ],
            numeric=[False] + [True] * 7,
            widths=[3, 1, 1, 1, 1, 1.2, 0.8, 0.8],
        )
    )
    keys = [s["key"] for s in streams]
    tables.append(
        ReportTable(
            key="jurisdiction_streams",
            title=_("（续）分地区分类进展（累计完成/目标数）"),
            headers=[_("行政区划")]
            + [h for k in keys for h in (_("%(k)s目标") % {"k": k}, _("%(k)s完成") % {"k": k})],
            rows=[
                [r["label"]]
                + [
                    v
                    for k in keys
                    for v in (r["streams"][k]["target"], r["streams"][k]["cumulative"])
                ]
                for r in j["rows"]
            ],
            total=[_("合计")]
            + [
                v
                for k in keys
                for v in (
                    j["total"]["streams"][k]["target"],
                    j["total"]["streams"][k]["cumulative"],
                )
            ],
            numeric=[False] + [True] * (2 * len(keys)),
            widths=[3] + [1] * (2 * len(keys)),
        )
    )
    tables.append(
        ReportTable(
            key="lagging",
            title=_("六、进展滞后单位（完成率低于序时进度 %(n)s 个百分点以上）")
            % {"n": f"{getattr(settings, 'REPORT_LAG_POINTS', 10):g}"},
            headers=[
                _("行政区划"),
                _("完成率"),
                _("序时进度差"),
                _("排名"),
                _("未完成"),
                _("逾期"),
            ],
            rows=[
                [
                    r["label"],
                    pct_text(r["pct"]),
                    gap_text(r["gap"]),
                    _rank_text(r["rank"]),
                    r["remaining"],
                    r["overdue"],
                ]
                for r in figures.get("lagging", [])
            ],
            numeric=[False] + [True] * 5,
            widths=[3, 1, 1.2, 0.8, 1, 1],
        )
    )
    d = figures["departments"]
    tables.append(
        ReportTable(
            key="departments",
            title=_("七、分部门进展"),
            headers=[_("责任部门"), _("行政区划"), *progress_headers],
            rows=[[r["name"], r["jurisdiction"], *_progress_cells(r)] for r in d["rows"]],
            total=[_("合计"), "", *_progress_cells(d["total"])],
            numeric=[False, False] + [True] * 5,
            widths=[3.2, 1.6, 1, 1, 1, 1, 1],
            wrap=[True, True] + [False] * 5,
        )
    )
    tables.append(
        ReportTable(
            key="overdue",
            title=_("附件1　逾期事项清单"),
            headers=[
                _("编号"),
                _("名称"),
                _("责任部门"),
                _("完成时限"),
                _("逾期天数"),
                _("最新逾期说明"),
            ],
            rows=[
                [
                    o["reference"],
                    o["title"],
                    o["department"],
                    o["deadline"],
                    o["days"],
                    o["explanation"],
                ]
                for o in figures["overdue"]
            ],
            numeric=[False, False, False, False, True, False],
            widths=[2.6, 3.2, 2, 1.5, 1, 3.2],
            wrap=[False, True, True, False, False, True],
        )
    )
    tables.append(
        ReportTable(
            key="milestones_summary",
            title=_("八、下月到期节点汇总（%(m)s）") % {"m": figures["period"]["next_month"]},
            headers=[_("行政区划"), _("节点"), _("数量")],
            rows=[
                [m["jurisdiction"], m["milestone"], m["count"]]
                for m in figures.get("milestones_summary", [])
            ],
            total=[_("合计"), "", len(figures["milestones_next"])],
            numeric=[False, False, True],
            widths=[3, 4, 1.2],
        )
    )
    tables.append(
        ReportTable(
            key="milestones",
            title=_("附件2　下月到期节点清单（%(m)s）") % {"m": figures["period"]["next_month"]},
            headers=[_("编号"), _("名称"), _("节点"), _("计划完成日期"), _("责任部门")],
            rows=[
                [m["reference"], m["title"], m["milestone"], m["due_date"], m["department"]]
                for m in figures["milestones_next"]
            ],
            numeric=[False] * 5,
            widths=[2.6, 3.8, 2.2, 1.5, 2.4],
            wrap=[False, True, True, False, True],
            limit=DETAIL_LIMIT,
        )
    )
    for t in tables:
        n = len(t.headers)
        t.numeric = t.numeric or [False] * n
        t.widths = t.widths or [1] * n
        t.wrap = t.wrap or [False] * n
    # The body first, then the annexes (附件1 overdue list, 附件2 milestones due next month).
    annexes = {"overdue": 1, "milestones": 2}
    tables.sort(key=lambda t: annexes.get(t.key, 0))
    return tables


def table_by_key(figures: dict, key: str) -> ReportTable | None:
    for t in report_tables(figures):
        if t.key == key:
            return t
    return None


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


def backdated_changes(reports: Iterable[MonthlyReport]) -> dict[int, list[BackdatedChange]]:
    """For each issued report: history rows dated at or before its month end, recorded after issue.

    "Recorded after issue" = linked into the audit chain after the chain head stored at issue
    (the chain is serialised, so sequence order is recording order). One query for all reports.
    """
    from tracker.models import AuditChainEntry

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
    rows = _fetch(" UNION ALL ".join(parts), params)
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


# --- report list (selector) ----------------------------------------------------------------


def reports_for(user):
    """Reports the user may see: issued ones in scope; drafts too for reform admins and signers."""
    from tracker.cases.scoping import jurisdiction_filter, user_role
    from tracker.cases.workflow import Role

    qs = MonthlyReport.objects.filter(jurisdiction_filter(user, "jurisdiction")).select_related(
        "jurisdiction", "issued_by", "created_by"
    )
    from tracker.reports.services import may_sign

    if user_role(user) != Role.ADMIN and not may_sign(user):
        qs = qs.filter(state=MonthlyReport.State.ISSUED)  # signers read the drafts they sign
    return qs.select_related("signer", "supersedes").prefetch_related("superseded_by")
