"""Tamper evidence: a SHA-256 hash chain over every history row, and append-only triggers.

Every history row (django-simple-history, any tracked model, m2m history included) is linked
into one chain in the same transaction as the change. ``verify_chain`` recomputes it.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

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


TRACKED_APPS = {"tracker", "intermediaries", "fees", "api", "accounts", "credit"}

# Tables of models that are append-only themselves (not only their history), registered by the
# apps that own them (``register_append_only``): the triggers cover them like history tables.
APPEND_ONLY_MODELS: list[str] = []


def register_append_only(*model_labels: str) -> None:
    for label in model_labels:
        if label not in APPEND_ONLY_MODELS:
            APPEND_ONLY_MODELS.append(label)


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
    compiled: dict = field(default_factory=dict, init=False, repr=False, compare=False)


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


def _digester(spec: RowSpec, *, from_db: bool = True):
    """A compiled digest function for one model: straight-line code that normalises each
    column, leaves out empty values and hashes the JSON of the pairs (the form ``_pairs``
    gives). ``from_db``: rows read by ``_raw_rows``, whose text and integer columns already
    have their canonical type; otherwise every value is normalised (Python values)."""
    digester = spec.compiled.get(from_db)
    if digester is None:
        env = {
            "EMPTY": EMPTY,
            "encode": _ENCODER.encode,
            "sha256": hashlib.sha256,
            "prefix": f"{spec.label}|",
        }
        lines = ["def digest(r):", "    out = []", "    add = out.extend"]
        for i, (attname, norm) in enumerate(zip(spec.attnames, spec.normalisers, strict=True)):
            if from_db and norm in _IDENTITY_ON_READ:
                lines.append(f"    v = r[{i}]")
            else:
                env[f"n{i}"] = norm
                lines.append(f"    v = n{i}(r[{i}])")
            env[f"a{i}"] = attname
            lines.append(f"    if v not in EMPTY: add((a{i}, v))")
        lines.append("    return sha256((prefix + encode(out)).encode()).hexdigest()")
        exec("\n".join(lines), env)  # code built from our own field list
        digester = spec.compiled[from_db] = env["digest"]
    return digester


def digest_row(spec: RowSpec, row: tuple) -> str:
    """digest_values for a row fetched with ``_raw_rows`` (text and integers already canonical)."""
    return _digester(spec)(row)


def digest_values(spec: RowSpec, values: Iterable) -> str:
    """The digest of one history row given as Python values in ``spec.attnames`` order."""
    return _digester(spec, from_db=False)(
        values if isinstance(values, (list, tuple)) else list(values)
    )


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
    witnesses: int = 0  # witnessed heads checked (tracker.audit.witness)


def _raw_rows(model: type[models.Model], spec: RowSpec, ids: list[int]):
    """History rows straight from the cursor: no ORM converters on the hot path.

    Timestamps and dates come as text (the normalisers' fast path) on both databases; on
    SQLite a cast has no declared type, so the driver's converters are skipped as well."""
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    pk = qn(model._meta.pk.column)
    if connection.vendor == "postgresql":
        columns = ", ".join(
            f"{qn(c)}::text" if n is _norm_datetime else qn(c)
            for c, n in zip(spec.columns, spec.normalisers, strict=True)
        )
        sql, params = f"SELECT {columns} FROM {table} WHERE {pk} = ANY(%s)", [list(ids)]
    else:
        columns = ", ".join(
            f"CAST({qn(c)} AS TEXT)" if n in (_norm_datetime, _norm_date) else qn(c)
            for c, n in zip(spec.columns, spec.normalisers, strict=True)
        )
        placeholders = ", ".join(["%s"] * len(ids))
        sql, params = f"SELECT {columns} FROM {table} WHERE {pk} IN ({placeholders})", ids
    with connection.cursor() as cursor:  # Django keeps the session time zone at UTC
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass
class _Segment:
    """What one worker found over the links ``first_seq`` .. ``last_seq``."""

    first_seq: int
    count: int = 0
    first_prev: str | None = None  # the stored prev_hash of the segment's first link
    first_link: tuple[str, int] | None = None  # its model and row id
    last_hash: str | None = None
    per_model: dict | None = None
    problem: tuple[str, str, dict] | None = None  # kind, message, where


def _verify_segment(first_seq: int, last_seq: int, chunk: int, *, close: bool = False) -> _Segment:
    """Check the links first_seq..last_seq among themselves and against the history rows.

    Links are independent given their stored ``prev_hash``; the caller joins the segments by
    comparing each segment's first ``prev_hash`` with the hash that ends the one before it."""
    models_by_label = {m._meta.label_lower: m for m in history_models()}
    specs = {label: row_spec(m) for label, m in models_by_label.items()}
    seg = _Segment(first_seq=first_seq, per_model={})
    per_model = seg.per_model
    expected_seq, prev, after = first_seq - 1, None, first_seq - 1
    sql = (
        "SELECT seq, model, row_id, digest, prev_hash, hash FROM tracker_auditchainentry "
        "WHERE seq > %s AND seq <= %s ORDER BY seq LIMIT %s"
    )
    try:
        while True:
            with connection.cursor() as cursor:
                cursor.execute(sql, [after, last_seq, chunk])
                links = cursor.fetchall()
            if not links:
                break
            after = links[-1][0]
            wanted: dict[str, list[int]] = {}
            for link in links:
                wanted.setdefault(link[1], []).append(link[2])
            digests: dict[tuple[str, int], str] = {}
            for label, ids in wanted.items():
                spec = specs.get(label)
                if spec is None:
                    continue
                digest = _digester(spec)
                pk_index = spec.pk_index
                for values in _raw_rows(spec.model, spec, ids):
                    digests[(label, values[pk_index])] = digest(values)
            for seq, label, row_id, digest, prev_hash, stored_hash in links:
                expected_seq += 1
                where = {"model": label, "row_id": row_id, "seq": seq}
                if seg.first_link is None:
                    seg.first_prev, seg.first_link = prev_hash, (label, row_id)
                    prev = prev_hash
                if seq != expected_seq:
                    seg.problem = (
                        "sequence",
                        f"chain sequence broken at seq {seq} (expected {expected_seq}): "
                        f"{label} row {row_id}",
                        where,
                    )
                    return seg
                if prev_hash != prev or link_hash(seq, label, row_id, digest, prev_hash) != (
                    stored_hash
                ):
                    seg.problem = (
                        "link",
                        f"chain link altered or reordered at seq {seq}: {label} row {row_id}",
                        where,
                    )
                    return seg
                actual = digests.get((label, row_id))
                if actual is None:
                    seg.problem = (
                        "deleted",
                        f"history row missing (deleted) at seq {seq}: {label} row {row_id}",
                        where,
                    )
                    return seg
                if actual != digest:
                    seg.problem = (
                        "edited",
                        f"history row edited at seq {seq}: {label} row {row_id}",
                        where,
                    )
                    return seg
                prev = seg.last_hash = stored_hash
                seg.count += 1
                per_model[label] = per_model.get(label, 0) + 1
        if expected_seq != last_seq:
            seg.problem = (
                "sequence",
                f"chain sequence broken after seq {expected_seq} (expected links up to "
                f"seq {last_seq})",
                {"model": None, "row_id": None, "seq": expected_seq + 1},
            )
        return seg
    finally:
        if close:
            connection.close()


PARALLEL_MIN_ROWS = 50_000  # below this, one process is faster than starting workers
MIN_SEGMENT = 1000  # links per worker, at least


def _segments(top: int, workers: int) -> list[tuple[int, int]]:
    size = -(-top // workers)
    return [(a, min(a + size - 1, top)) for a in range(1, top + 1, size)]


def _worker_start(db_settings: dict) -> None:
    """In a fresh worker process: set Django up on the caller's database."""
    import django
    from django.conf import settings
    from django.db import connections

    django.setup()
    settings.DATABASES["default"] = db_settings
    default = connections["default"]  # may exist already, made from the settings module
    default.close()
    default.settings_dict = db_settings


def _worker_segment(first_seq: int, last_seq: int, chunk: int) -> _Segment:
    return _verify_segment(first_seq, last_seq, chunk, close=True)


def _run_segments(ranges: list[tuple[int, int]], chunk: int) -> list[_Segment]:
    """Verify the segments in worker processes, one per segment, each with its own database
    connection. Workers are spawned, not forked: a forked child would inherit, and on exit
    close, database connections that other threads of this process still use."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    db_settings = dict(connection.settings_dict)
    with ProcessPoolExecutor(
        max_workers=len(ranges),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_start,
        initargs=(db_settings,),
    ) as pool:
        futures = [pool.submit(_worker_segment, a, b, chunk) for a, b in ranges]
        return [f.result() for f in futures]


def verify_chain(chunk: int = 5000, workers: int | None = None) -> VerifyResult:
    """Recompute the chain; the first broken link is named (model, row id, sequence). Then
    every witnessed head must still be the link at its sequence, under a matching HMAC
    (``tracker.audit.witness``): each failing witness is named.

    Large chains are checked in ``workers`` processes (default: one per CPU), each over a
    contiguous range of links; the ranges are then joined link to link, so the result, and
    the first broken link named, are those of a single pass. Inside a transaction (tests)
    the check runs in this process, which alone sees the uncommitted rows."""
    from tracker.models import AuditChainEntry, AuditChainHead

    started = time.perf_counter()
    top = AuditChainEntry.objects.aggregate(top=models.Max("seq"))["top"] or 0
    if workers is None:
        workers = (os.cpu_count() or 1) if top >= PARALLEL_MIN_ROWS else 1
    if connection.in_atomic_block:
        workers = 1
    workers = max(1, min(workers, top // MIN_SEGMENT or 1))
    if workers == 1:
        segments = [_verify_segment(1, top, chunk)] if top else []
    else:
        segments = _run_segments(_segments(top, workers), chunk)

    count, prev, per_model = 0, GENESIS, {}

    def fail(kind: str, message: str, **info) -> VerifyResult:
        return VerifyResult(
            False, count, prev, message, time.perf_counter() - started, {"kind": kind, **info}
        )

    for seg in segments:
        first_seq_wrong = (
            seg.problem is not None and seg.count == 0 and seg.problem[0] == "sequence"
        )
        if seg.first_link is not None and seg.first_prev != prev and not first_seq_wrong:
            label, row_id = seg.first_link
            return fail(
                "link",
                f"chain link altered or reordered at seq {seg.first_seq}: {label} row {row_id}",
                model=label,
                row_id=row_id,
                seq=seg.first_seq,
            )
        if seg.problem is not None:
            kind, message, where = seg.problem
            count += seg.count
            prev = seg.last_hash or prev
            return fail(kind, message, **where)
        count += seg.count
        prev = seg.last_hash or prev
        for label, n in seg.per_model.items():
            per_model[label] = per_model.get(label, 0) + n
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != count or head.hash != prev):
        return fail(
            "head",
            f"chain head mismatch: head says seq {head.seq}, chain ends at seq {count}",
            seq=count,
        )
    for label, model in ((m._meta.label_lower, m) for m in history_models()):
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
    from tracker.audit.witness import check_witnesses

    witnessed, problems = check_witnesses()
    if problems:
        return fail(
            "witness",
            f"{len(problems)} of {witnessed} witnessed chain heads no longer hold:\n"
            + "\n".join(f"  {p}" for p in problems),
            seq=problems[0].seq,
            witnesses=[p.witness_id for p in problems],
        )
    return VerifyResult(True, count, prev, "ok", time.perf_counter() - started, witnesses=witnessed)


# --- append-only triggers ----------------------------------------------------------------


def protected_tables() -> list[str]:
    """History tables, the chain, its witnesses and the access log: rows are only ever inserted."""
    from tracker.audit.models import ChainWitness
    from tracker.models import AccessLog, AuditChainEntry

    return (
        [m._meta.db_table for m in history_models()]
        + [AuditChainEntry._meta.db_table, ChainWitness._meta.db_table, AccessLog._meta.db_table]
        + [apps.get_model(label)._meta.db_table for label in APPEND_ONLY_MODELS]
    )


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
