"""Tamper evidence: a SHA-256 hash chain over every history row, and append-only triggers.

Every history row (django-simple-history, any tracked model, m2m history included) is linked
into one chain in the same transaction as the change. ``verify_chain`` recomputes it.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, models, transaction
from django.dispatch import receiver
from django.utils import timezone
from simple_history.signals import (
    post_create_historical_m2m_records,
    post_create_historical_record,
)

GENESIS = "0" * 64
UTC = datetime.UTC


def history_models() -> list[type[models.Model]]:
    """Every history table of every tracked model (m2m history tables included)."""
    return [
        m
        for m in apps.get_models()
        if m._meta.model_name.startswith("historical") and m._meta.app_label in TRACKED_APPS
    ]


TRACKED_APPS = {"tracker", "intermediaries", "fees"}


# --- canonical serialisation -------------------------------------------------------------


def _norm_text(v):
    return None if v is None else str(v)


def _norm_int(v):
    return None if v is None else int(v)


def _norm_bool(v):
    return None if v is None else bool(v)


def _norm_datetime(v):
    if v is None:
        return None
    if isinstance(v, str):
        # PostgreSQL's text for a UTC timestamptz drops trailing zeros of the fraction.
        if v.endswith("+00") and v[10:11] == " ":
            core = v[:-3]
            if "." in core:
                whole, fraction = core.split(".")
                core = f"{whole}.{fraction.ljust(6, '0')}" if fraction.strip("0") else whole
            return f"{core[:10]}T{core[11:]}+00:00"
        # SQLite stores UTC as "YYYY-MM-DD HH:MM:SS[.ffffff]": the same text isoformat() gives.
        if len(v) in (19, 26) and v[10] == " " and "+" not in v:
            return f"{v[:10]}T{v[11:]}+00:00"
        v = datetime.datetime.fromisoformat(v)
    offset = v.utcoffset()
    if offset is None:  # naive values are UTC (USE_TZ = True)
        return v.isoformat() + "+00:00"
    if not offset:
        return v.isoformat()
    return v.astimezone(UTC).isoformat()


def _norm_date(v):
    if v is None:
        return None
    if isinstance(v, str) and len(v) == 10:
        return v
    if isinstance(v, datetime.datetime):
        v = v.date()
    if isinstance(v, str):
        v = datetime.date.fromisoformat(v)
    return v.isoformat()


def _decimal_normaliser(places: int):
    quantum = decimal.Decimal(1).scaleb(-places)

    def norm(v):
        if v is None:
            return None
        return str(decimal.Decimal(str(v)).quantize(quantum))

    return norm


def _norm_file(v):
    if v is None:
        return ""
    return getattr(v, "name", v) or ""


def _norm_json(v):
    if v is None:
        return None
    if isinstance(v, (str, bytes)):
        v = json.loads(v)
    return json.dumps(v, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _normaliser(field: models.Field):
    if isinstance(field, models.JSONField):
        return _norm_json
    if isinstance(field, models.DateTimeField):
        return _norm_datetime
    if isinstance(field, models.DateField):
        return _norm_date
    if isinstance(field, models.DecimalField):
        return _decimal_normaliser(field.decimal_places)
    if isinstance(field, models.BooleanField):
        return _norm_bool
    if isinstance(field, models.FileField):
        return _norm_file
    if isinstance(field, (models.IntegerField, models.AutoField, models.ForeignKey)):
        if isinstance(field, models.ForeignKey):
            target = field.target_field
            if not isinstance(target, (models.IntegerField, models.AutoField)):
                return _norm_text
        return _norm_int
    if isinstance(field, models.FloatField):
        return lambda v: None if v is None else repr(float(v))
    return _norm_text


@dataclass
class RowSpec:
    """How to serialise rows of one history model: column names and their normalisers."""

    label: str
    model: type[models.Model]
    pk_attname: str
    attnames: list[str]
    normalisers: list
    columns: list[str]
    pk_index: int


_SPECS: dict[str, RowSpec] = {}


def row_spec(model: type[models.Model]) -> RowSpec:
    label = model._meta.label_lower
    spec = _SPECS.get(label)
    if spec is None:
        fields = sorted(model._meta.concrete_fields, key=lambda f: f.attname)
        spec = RowSpec(
            label=label,
            model=model,
            pk_attname=model._meta.pk.attname,
            attnames=[f.attname for f in fields],
            normalisers=[_normaliser(f) for f in fields],
            columns=[f.column for f in fields],
            pk_index=[f.attname for f in fields].index(model._meta.pk.attname),
        )
        _SPECS[label] = spec
    return spec


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_IDENTITY_ON_READ = {_norm_text, _norm_int}


def _reader(spec: RowSpec):
    """A compiled canonicaliser for rows read from the database, where text and integer
    columns already have their canonical type; it gives exactly what digest_values gives."""
    if spec.label not in _READERS:
        parts = []
        env = {}
        for i, norm in enumerate(spec.normalisers):
            if norm in _IDENTITY_ON_READ:
                parts.append(f"r[{i}]")
            else:
                env[f"n{i}"] = norm
                parts.append(f"n{i}(r[{i}])")
        _READERS[spec.label] = eval(f"lambda r: [{', '.join(parts)}]", env)
    return _READERS[spec.label]


_READERS: dict[str, object] = {}


EMPTY = (None, "", False)  # also matches 0 (0 == False)


def _pairs(attnames: list[str], values: list) -> list:
    """The canonical form: column, value, column, value, ... with empty values left out, so a column
    added later by a migration (NULL, "", False or 0 in older rows) leaves their digests as
    they were; any change of any value still changes the digest."""
    out = []
    for a, v in zip(attnames, values, strict=True):
        if v not in EMPTY:
            out += (a, v)
    return out


def digest_row(spec: RowSpec, row: tuple) -> str:
    """digest_values for a row fetched from the database (the verification hot path)."""
    payload = _ENCODER.encode(_pairs(spec.attnames, _reader(spec)(row)))
    return hashlib.sha256(f"{spec.label}|{payload}".encode()).hexdigest()


def digest_values(spec: RowSpec, values: Iterable) -> str:
    canonical = [n(v) for n, v in zip(spec.normalisers, values, strict=True)]
    payload = _ENCODER.encode(_pairs(spec.attnames, canonical))
    return hashlib.sha256(f"{spec.label}|{payload}".encode()).hexdigest()


def digest_instance(instance: models.Model) -> str:
    spec = row_spec(type(instance))
    return digest_values(spec, (getattr(instance, a) for a in spec.attnames))


def link_hash(seq: int, model: str, row_id: int, digest: str, prev_hash: str) -> str:
    return hashlib.sha256(f"{seq}|{model}|{row_id}|{digest}|{prev_hash}".encode()).hexdigest()


# --- appending ---------------------------------------------------------------------------


def _locked_head():
    from tracker.models import AuditChainHead

    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def chain_link(items: list[tuple[str, int, str]], *, insert=None) -> None:
    """Append (model label, row id, digest) links to the chain, serialised on the head row so
    concurrent writers never fork it. ``insert`` may write the entry dicts faster than
    ``bulk_create`` (the import path); the links are the same either way."""
    if not items:
        return
    from tracker.models import AuditChainEntry

    with transaction.atomic():
        head = _locked_head()
        seq, prev = head.seq, head.hash
        now = timezone.now()
        entries = []
        for label, row_id, digest in items:
            seq += 1
            link = link_hash(seq, label, row_id, digest, prev)
            entries.append(
                {
                    "seq": seq,
                    "model": label,
                    "row_id": row_id,
                    "digest": digest,
                    "prev_hash": prev,
                    "hash": link,
                    "recorded_at": now,
                }
            )
            prev = link
        if insert is not None:
            insert(entries)
        else:
            AuditChainEntry.objects.bulk_create(
                [AuditChainEntry(**e) for e in entries], batch_size=2000
            )
        head.seq, head.hash = seq, prev
        head.save(update_fields=["seq", "hash"])


def chain_append(rows: list[models.Model]) -> None:
    """Link history rows (model instances) into the chain."""
    items = []
    for row in rows:
        spec = row_spec(type(row))
        items.append((spec.label, getattr(row, spec.pk_attname), digest_instance(row)))
    chain_link(items)


@receiver(post_create_historical_record)
def _chain_history_row(sender, history_instance, **kwargs) -> None:
    if sender._meta.app_label in TRACKED_APPS:
        chain_append([history_instance])


@receiver(post_create_historical_m2m_records)
def _chain_m2m_history_rows(sender, created_rows, **kwargs) -> None:
    if sender._meta.app_label in TRACKED_APPS:
        chain_append(list(created_rows))


@transaction.atomic
def bulk_create_with_history(
    model: type[models.Model], objs: list, *, by, reason: str, batch_size: int = 1000
) -> list:
    """The bulk path: rows, their history rows and their chain links, in one transaction."""
    created = model.objects.bulk_create(objs, batch_size=batch_size)
    history = model.history.bulk_history_create(
        created, batch_size=batch_size, default_user=by, default_change_reason=reason
    )
    if history and getattr(history[0], "history_id", None) is None:
        raise RuntimeError("the database did not return history ids for the bulk path")
    chain_append(list(history))
    return created


def chain_head() -> tuple[int, str]:
    from tracker.models import AuditChainHead

    head = AuditChainHead.objects.filter(pk=1).first()
    return (head.seq, head.hash) if head else (0, GENESIS)


# --- verification ------------------------------------------------------------------------


@dataclass
class VerifyResult:
    ok: bool
    rows: int
    head_hash: str
    message: str
    seconds: float
    problem: dict | None = None


def _raw_rows(model: type[models.Model], spec: RowSpec, ids: list[int]):
    """History rows straight from the cursor: no ORM converters on the hot path."""
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    pk = qn(model._meta.pk.column)
    if connection.vendor == "postgresql":
        # Timestamps as UTC text (parsed by _norm_datetime far faster than by the driver),
        # and the ids as one array parameter.
        columns = ", ".join(
            f"{qn(c)}::text" if n is _norm_datetime else qn(c)
            for c, n in zip(spec.columns, spec.normalisers, strict=True)
        )
        sql, params = f"SELECT {columns} FROM {table} WHERE {pk} = ANY(%s)", [list(ids)]
    else:
        columns = ", ".join(qn(c) for c in spec.columns)
        placeholders = ", ".join(["%s"] * len(ids))
        sql, params = f"SELECT {columns} FROM {table} WHERE {pk} IN ({placeholders})", ids
    with connection.cursor() as cursor:  # Django keeps the session time zone at UTC
        cursor.execute(sql, params)
        yield from cursor.fetchall()


def verify_chain(chunk: int = 5000) -> VerifyResult:
    """Recompute the chain; the first broken link is named (model, row id, sequence)."""
    from tracker.models import AuditChainEntry, AuditChainHead

    started = time.perf_counter()
    models_by_label = {m._meta.label_lower: m for m in history_models()}
    expected_seq, prev, count = 0, GENESIS, 0
    per_model: dict[str, int] = {}
    last_seq = 0

    def fail(kind: str, message: str, **info) -> VerifyResult:
        return VerifyResult(
            False, count, prev, message, time.perf_counter() - started, {"kind": kind, **info}
        )

    while True:
        links = list(
            AuditChainEntry.objects.filter(seq__gt=last_seq)
            .order_by("seq")
            .values_list("seq", "model", "row_id", "digest", "prev_hash", "hash")[:chunk]
        )
        if not links:
            break
        last_seq = links[-1][0]
        wanted: dict[str, list[int]] = {}
        for _seq, label, row_id, *_rest in links:
            wanted.setdefault(label, []).append(row_id)
        digests: dict[tuple[str, int], str] = {}
        for label, ids in wanted.items():
            model = models_by_label.get(label)
            if model is None:
                continue
            spec = row_spec(model)
            pk_index = spec.pk_index
            for values in _raw_rows(model, spec, ids):
                digests[(label, values[pk_index])] = digest_row(spec, values)
        for seq, label, row_id, digest, prev_hash, stored_hash in links:
            expected_seq += 1
            where = {"model": label, "row_id": row_id, "seq": seq}
            if seq != expected_seq:
                return fail(
                    "sequence",
                    f"chain sequence broken at seq {seq} (expected {expected_seq}): "
                    f"{label} row {row_id}",
                    **where,
                )
            if prev_hash != prev or link_hash(seq, label, row_id, digest, prev_hash) != stored_hash:
                return fail(
                    "link",
                    f"chain link altered or reordered at seq {seq}: {label} row {row_id}",
                    **where,
                )
            actual = digests.get((label, row_id))
            if actual is None:
                return fail(
                    "deleted",
                    f"history row missing (deleted) at seq {seq}: {label} row {row_id}",
                    **where,
                )
            if actual != digest:
                return fail(
                    "edited", f"history row edited at seq {seq}: {label} row {row_id}", **where
                )
            prev = stored_hash
            count += 1
            per_model[label] = per_model.get(label, 0) + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != count or head.hash != prev):
        return fail(
            "head",
            f"chain head mismatch: head says seq {head.seq}, chain ends at seq {count}",
            seq=count,
        )
    for label, model in models_by_label.items():
        total = model._default_manager.count()
        if total != per_model.get(label, 0):
            chained = AuditChainEntry.objects.filter(model=label).values("row_id")
            stray = (
                model._default_manager.exclude(pk__in=chained)
                .order_by("pk")
                .values_list("pk", flat=True)
                .first()
            )
            return fail(
                "inserted",
                f"history row not in the chain (inserted outside the application): "
                f"{label} row {stray}",
                model=label,
                row_id=stray,
                seq=None,
            )
    return VerifyResult(True, count, prev, "ok", time.perf_counter() - started)


# --- append-only triggers ----------------------------------------------------------------


def protected_tables() -> list[str]:
    """History tables, the chain and the access log: rows are only ever inserted."""
    from tracker.models import AccessLog, AuditChainEntry

    return [m._meta.db_table for m in history_models()] + [
        AuditChainEntry._meta.db_table,
        AccessLog._meta.db_table,
    ]


PG_FUNCTION = """
CREATE OR REPLACE FUNCTION tracker_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit history is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END
$$ LANGUAGE plpgsql;
"""


def install_triggers(conn=None, tables: list[str] | None = None) -> None:
    """Create triggers that refuse UPDATE and DELETE on history and chain tables."""
    conn = conn or connection
    tables = tables if tables is not None else protected_tables()
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(PG_FUNCTION)
        for table in tables:
            q = conn.ops.quote_name(table)
            if conn.vendor == "sqlite":
                for op in ("UPDATE", "DELETE"):
                    cursor.execute(
                        f'CREATE TRIGGER IF NOT EXISTS "{table}_no_{op.lower()}" '
                        f"BEFORE {op} ON {q} BEGIN "
                        f"SELECT RAISE(ABORT, 'audit history is append-only: {op} on {table} refused'); END;"
                    )
            elif conn.vendor == "postgresql":
                cursor.execute(f'DROP TRIGGER IF EXISTS "{table[:40]}_append_only" ON {q}')
                cursor.execute(
                    f'CREATE TRIGGER "{table[:40]}_append_only" BEFORE UPDATE OR DELETE ON {q} '
                    f"FOR EACH ROW EXECUTE FUNCTION tracker_append_only()"
                )
                cursor.execute(f'DROP TRIGGER IF EXISTS "{table[:40]}_no_truncate" ON {q}')
                cursor.execute(
                    f'CREATE TRIGGER "{table[:40]}_no_truncate" BEFORE TRUNCATE ON {q} '
                    f"FOR EACH STATEMENT EXECUTE FUNCTION tracker_append_only()"
                )
        _install_frozen_reports(conn, cursor)


FROZEN_REPORTS = "tracker_monthlyreport"
PG_FROZEN_FUNCTION = """
CREATE OR REPLACE FUNCTION tracker_issued_report_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.state = 'issued' THEN
        RAISE EXCEPTION 'an issued monthly report is frozen: % refused', TG_OP;
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$ LANGUAGE plpgsql;
"""


def _install_frozen_reports(conn, cursor) -> None:
    """Issued monthly reports can never be updated or deleted (drafts can be edited)."""
    if FROZEN_REPORTS not in conn.introspection.table_names(cursor):
        return
    if conn.vendor == "sqlite":
        for op in ("UPDATE", "DELETE"):
            cursor.execute(
                f'CREATE TRIGGER IF NOT EXISTS "{FROZEN_REPORTS}_issued_no_{op.lower()}" '
                f"BEFORE {op} ON {FROZEN_REPORTS} WHEN OLD.state = 'issued' BEGIN "
                f"SELECT RAISE(ABORT, 'an issued monthly report is frozen: {op} refused'); END;"
            )
    elif conn.vendor == "postgresql":
        cursor.execute(PG_FROZEN_FUNCTION)
        cursor.execute(f'DROP TRIGGER IF EXISTS "{FROZEN_REPORTS}_frozen" ON {FROZEN_REPORTS}')
        cursor.execute(
            f'CREATE TRIGGER "{FROZEN_REPORTS}_frozen" BEFORE UPDATE OR DELETE ON {FROZEN_REPORTS} '
            f"FOR EACH ROW EXECUTE FUNCTION tracker_issued_report_frozen()"
        )


def _drop_frozen_reports(conn, cursor) -> None:
    if conn.vendor == "sqlite":
        for op in ("update", "delete"):
            cursor.execute(f'DROP TRIGGER IF EXISTS "{FROZEN_REPORTS}_issued_no_{op}"')
    elif conn.vendor == "postgresql" and FROZEN_REPORTS in conn.introspection.table_names(cursor):
        cursor.execute(f'DROP TRIGGER IF EXISTS "{FROZEN_REPORTS}_frozen" ON {FROZEN_REPORTS}')


def drop_triggers(conn=None, tables: list[str] | None = None) -> None:
    """Remove the append-only triggers (tests of tamper detection, and test-database flushes)."""
    conn = conn or connection
    tables = tables if tables is not None else protected_tables()
    with conn.cursor() as cursor:
        for table in tables:
            q = conn.ops.quote_name(table)
            if conn.vendor == "sqlite":
                for op in ("update", "delete"):
                    cursor.execute(f'DROP TRIGGER IF EXISTS "{table}_no_{op}"')
            elif conn.vendor == "postgresql":
                cursor.execute(f'DROP TRIGGER IF EXISTS "{table[:40]}_append_only" ON {q}')
                cursor.execute(f'DROP TRIGGER IF EXISTS "{table[:40]}_no_truncate" ON {q}')
        _drop_frozen_reports(conn, cursor)
