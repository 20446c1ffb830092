"""The import's bulk write path: the same rows as ``tracker.audit.chain.bulk_create_with_history``
(the rows, one "+" history row each with user and reason, one audit chain link per history
row, all in the caller's transaction), written with multi-row ``INSERT ... RETURNING``.

Why not the ORM: ``QuerySet.bulk_create`` compiles SQL per value (SQLite batches of 999
parameters), which costs ~100 µs per row; a 10,000-row spreadsheet makes ~100,000 tracked rows
(cases, subjects, milestones), 200,000 with history, plus 100,000 chain links. Here values are
adapted once per field type and sent in chunks of up to 30,000 parameters. The history rows
and links are identical to the ORM path's: ``verify_audit`` recomputes them the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import connections, models, router, transaction
from django.utils import timezone

from tracker.audit import chain as audit

MAX_PARAMS = {"sqlite": 30000, "postgresql": 60000}


def _converter(field: models.Field, connection) -> Callable[[Any], Any] | None:
    """How a Python value becomes a database parameter (None: as it is)."""
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return _memo(ops.adapt_datetimefield_value)  # one timestamp per batch, mostly
    if isinstance(field, models.DateField):
        return _memo(ops.adapt_datefield_value)
    if isinstance(field, (models.FileField, models.DecimalField, models.JSONField)):
        return lambda v: field.get_db_prep_save(v, connection)
    if isinstance(
        field, (models.CharField, models.TextField, models.IntegerField, models.BooleanField)
    ):
        return None
    if isinstance(field, models.ForeignKey) and isinstance(
        field.target_field, (models.IntegerField, models.AutoField)
    ):
        return None
    return lambda v: field.get_db_prep_save(v, connection)


def _memo(adapt: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Adapt a date or datetime, remembering the last one (batches repeat the same values)."""
    last: list[Any] = [None, None]

    def convert(value: Any) -> Any:
        if value is None:
            return None
        if value is last[0] or value == last[0]:
            return last[1]
        last[0], last[1] = value, adapt(value)
        return last[1]

    return convert


def _insert(
    model: type[models.Model], rows: list[dict[str, Any]], *, returning: bool = True
) -> list[Any]:
    """Insert rows given as {attname: value}; returns the new primary keys in row order."""
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    connection.ensure_connection()
    meta = model._meta
    pk = meta.pk
    fields = [
        f
        for f in meta.concrete_fields
        if not (f is pk and isinstance(f, models.AutoField) and pk.attname not in rows[0])
    ]
    converters = [(f.attname, _converter(f, connection)) for f in fields]
    if connection.vendor == "postgresql":
        return _copy_postgresql(connection, model, fields, converters, rows, returning)
    qn = connection.ops.quote_name
    columns = ",".join(qn(f.column) for f in fields)
    mark = "?" if connection.vendor == "sqlite" else "%s"
    one = "(" + ",".join([mark] * len(fields)) + ")"
    per = max(1, min(2000, MAX_PARAMS.get(connection.vendor, 30000) // len(fields)))
    suffix = f" RETURNING {qn(pk.column)}" if returning else ""
    ids: list[Any] = []
    cursor = connection.connection.cursor()  # the DB-API cursor: no per-query debug logging
    try:
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            params: list[Any] = []
            extend = params.extend
            for row in chunk:
                extend(
                    [
                        row[attname] if convert is None else convert(row[attname])
                        for attname, convert in converters
                    ]
                )
            sql = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES {','.join([one] * len(chunk))}{suffix}"
            cursor.execute(sql, params)
            if returning:
                ids.extend(r[0] for r in cursor.fetchall())
    finally:
        cursor.close()
    if returning and len(ids) != len(rows):
        raise RuntimeError("the database did not return an id for every inserted row")
    return ids


def _copy_postgresql(connection, model, fields, converters, rows, returning) -> list[Any]:
    """PostgreSQL: ids reserved from the table's sequence in one query, rows sent by COPY."""
    meta = model._meta
    qn = connection.ops.quote_name
    cursor = connection.connection.cursor()
    try:
        ids: list[Any] = []
        columns = [qn(f.column) for f in fields]
        if returning:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(rows)],
            )
            ids = [r[0] for r in cursor.fetchall()]
            columns.insert(0, qn(meta.pk.column))
        with cursor.copy(f"COPY {qn(meta.db_table)} ({','.join(columns)}) FROM STDIN") as copy:
            for i, row in enumerate(rows):
                values = [
                    row[attname] if convert is None else convert(row[attname])
                    for attname, convert in converters
                ]
                if returning:
                    values.insert(0, ids[i])
                copy.write_row(values)
    finally:
        cursor.close()
    return ids


def _row_values(obj: models.Model, fields: Iterable[models.Field]) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in fields}


def _prepare(objs: list[models.Model], model: type[models.Model]) -> list[models.Field]:
    """What bulk_create does first: related ids from saved related objects, auto_now values."""
    meta = model._meta
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    relations = [f for f in fields if f.is_relation]
    stamped = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    now = timezone.now()  # one timestamp for the whole batch (one transaction)
    today = timezone.localdate(now)
    for obj in objs:
        for f in relations:
            if getattr(obj, f.attname) is None and f.is_cached(obj):
                related = f.get_cached_value(obj)
                if related is not None:
                    if related.pk is None:
                        raise ValueError(f"{model.__name__}.{f.name}: related object not saved")
                    setattr(obj, f.attname, related.pk)
        for f in stamped:
            if getattr(f, "auto_now", False) or getattr(obj, f.attname) is None:
                setattr(obj, f.attname, now if isinstance(f, models.DateTimeField) else today)
    return fields


def chain_rows(history_model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """Link history rows (as {attname: value}, primary key included) into the audit chain."""
    from tracker.models import AuditChainEntry

    spec = audit.row_spec(history_model)
    audit.chain_link(
        [
            (
                spec.label,
                row[spec.pk_attname],
                audit.digest_values(spec, [row[a] for a in spec.attnames]),
            )
            for row in rows
        ],
        insert=lambda entries: _insert(AuditChainEntry, entries, returning=False),
    )


def history_rows(
    model: type[models.Model],
    objs: list[models.Model] | list[dict[str, Any]],
    *,
    by,
    reason: str,
    history_type: str = "+",
) -> list[dict[str, Any]]:
    """Write one history row per saved object (or row dict) with user and reason; chain them."""
    if not objs:
        return []
    history_model = model.history.model
    stamp = {
        "history_date": timezone.now(),
        "history_change_reason": reason,
        "history_type": history_type,
        "history_user_id": by.pk if by is not None else None,
    }
    tracked = [
        f.attname
        for f in history_model._meta.concrete_fields
        if f.attname != "history_id" and f.attname not in stamp
    ]
    if isinstance(objs[0], dict):
        rows = [{**{a: obj[a] for a in tracked}, **stamp} for obj in objs]
    else:
        rows = [{**{a: getattr(obj, a) for a in tracked}, **stamp} for obj in objs]
        # Like simple-history's bulk_history_create: a row may carry its own date and user.
        for row, obj in zip(rows, objs, strict=True):
            when = getattr(obj, "_history_date", None)
            if when is not None:
                row["history_date"] = when
            user = getattr(obj, "_history_user", None)
            if user is not None:
                row["history_user_id"] = user.pk
    for row, history_id in zip(rows, _insert(history_model, rows), strict=True):
        row["history_id"] = history_id
    chain_rows(history_model, rows)
    return rows


def row_template(model: type[models.Model]) -> dict[str, Any]:
    """Every column of a new row at its default value (for building rows without instances)."""
    return {f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key}


@transaction.atomic
def bulk_insert_rows_with_history(
    model: type[models.Model], rows: list[dict[str, Any]], *, by, reason: str
) -> list[dict[str, Any]]:
    """Rows given as complete {attname: value} dicts: insert, then history and chain links."""
    if not rows:
        return rows
    pk = model._meta.pk.attname
    for row, new_id in zip(rows, _insert(model, rows), strict=True):
        row[pk] = new_id
    history_rows(model, rows, by=by, reason=reason)
    return rows


def insert_chained(model: type[models.Model], rows: list[dict[str, Any]]) -> list[dict]:
    """Insert rows of a history table itself (m2m history) and chain them."""
    for row, pk in zip(rows, _insert(model, rows), strict=True):
        row[model._meta.pk.attname] = pk
    chain_rows(model, rows)
    return rows


@transaction.atomic
def bulk_insert_with_history(
    model: type[models.Model], objs: list[models.Model], *, by, reason: str
) -> list[models.Model]:
    """The fast equivalent of audit.bulk_create_with_history: rows, history, chain links."""
    if not objs:
        return objs
    fields = _prepare(objs, model)
    ids = _insert(model, [_row_values(obj, fields) for obj in objs])
    alias = router.db_for_write(model)
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = alias
    for obj, row in zip(objs, history_rows(model, objs, by=by, reason=reason), strict=True):
        obj._import_history_id = row["history_id"]  # for m2m history rows written afterwards
    return objs


def insert_plain(model: type[models.Model], objs: list[models.Model]) -> list[models.Model]:
    """Rows of an untracked table (an m2m through table), ids set on the objects."""
    fields = _prepare(objs, model)
    for obj, pk in zip(objs, _insert(model, [_row_values(o, fields) for o in objs]), strict=True):
        obj.pk = pk
        obj._state.adding = False
    return objs
