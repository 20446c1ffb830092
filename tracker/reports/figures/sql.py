"""SQL helpers of the report: quoting, parameters, and each object's latest history row."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection

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


def _id_agg(expr: str) -> str:
    """A comma-separated list of ids aggregated over a group (SQLite and PostgreSQL)."""
    if connection.vendor == "postgresql":
        return f"STRING_AGG(CAST({expr} AS TEXT), ',')"
    return f"GROUP_CONCAT({expr}, ',')"


def _ids_in(column: str, name: str, ids: Iterable[int], params: dict) -> str:
    """``column IN (ids)`` with the ids bound as one JSON parameter (any number of them)."""
    params[name] = json.dumps(sorted({int(i) for i in ids}))
    if connection.vendor == "postgresql":
        return (
            f"{column} IN (SELECT CAST(value AS BIGINT) FROM "
            f"jsonb_array_elements_text(CAST(%({name})s AS jsonb)))"
        )
    return f"{column} IN (SELECT value FROM json_each(%({name})s))"
