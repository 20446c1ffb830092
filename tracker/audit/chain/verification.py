"""Verification: recompute the chain link by link against the history rows, in one process
or in worker processes over contiguous segments joined link to link, then the head, rows
outside the chain and the witnessed heads."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from django.db import connection, models

from tracker.audit.chain.hashing import (
    GENESIS,
    RowSpec,
    _digester,
    _norm_date,
    _norm_datetime,
    link_hash,
    row_spec,
)
from tracker.audit.chain.tracked import history_models


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


_LINKS_SQL = (
    "SELECT seq, model, row_id, digest, prev_hash, hash FROM tracker_auditchainentry "
    "WHERE seq > %s AND seq <= %s ORDER BY seq LIMIT %s"
)

_LINK_PROBLEMS = {
    "sequence": "chain sequence broken at seq {seq} (expected {expected}): {label} row {row_id}",
    "link": "chain link altered or reordered at seq {seq}: {label} row {row_id}",
    "deleted": "history row missing (deleted) at seq {seq}: {label} row {row_id}",
    "edited": "history row edited at seq {seq}: {label} row {row_id}",
}


def _link_problem(kind: str, seq: int, label: str, row_id: int, expected: int) -> tuple:
    """The problem (kind, message, where) of a broken link: the form ``_Segment.problem`` holds."""
    message = _LINK_PROBLEMS[kind].format(seq=seq, expected=expected, label=label, row_id=row_id)
    return kind, message, {"model": label, "row_id": row_id, "seq": seq}


def _chunk_digests(links: list[tuple], specs: dict[str, RowSpec]) -> dict[tuple[str, int], str]:
    """The recomputed digest of every history row the links of one chunk name, by (model, row id)."""
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
    return digests


def _check_links(
    seg: _Segment, links: list[tuple], digests: dict, expected_seq: int, prev: str | None
) -> tuple[int, str | None]:
    """Check one chunk of links in order; on the first broken link set ``seg.problem`` and stop.
    Returns the sequence and the hash the next chunk must continue from. The hot loop of the
    verification: one pass per link with no call but ``link_hash``."""
    per_model = seg.per_model
    for seq, label, row_id, digest, prev_hash, stored_hash in links:
        expected_seq += 1
        if seg.first_link is None:
            seg.first_prev, seg.first_link = prev_hash, (label, row_id)
            prev = prev_hash
        if seq != expected_seq:
            seg.problem = _link_problem("sequence", seq, label, row_id, expected_seq)
            return expected_seq, prev
        if prev_hash != prev or link_hash(seq, label, row_id, digest, prev_hash) != stored_hash:
            seg.problem = _link_problem("link", seq, label, row_id, expected_seq)
            return expected_seq, prev
        actual = digests.get((label, row_id))
        if actual is None:
            seg.problem = _link_problem("deleted", seq, label, row_id, expected_seq)
            return expected_seq, prev
        if actual != digest:
            seg.problem = _link_problem("edited", seq, label, row_id, expected_seq)
            return expected_seq, prev
        prev = seg.last_hash = stored_hash
        seg.count += 1
        per_model[label] = per_model.get(label, 0) + 1
    return expected_seq, prev


def _verify_segment(first_seq: int, last_seq: int, chunk: int, *, close: bool = False) -> _Segment:
    """Check the links first_seq..last_seq among themselves and against the history rows.

    Links are independent given their stored ``prev_hash``; the caller joins the segments by
    comparing each segment's first ``prev_hash`` with the hash that ends the one before it."""
    specs = {m._meta.label_lower: row_spec(m) for m in history_models()}
    seg = _Segment(first_seq=first_seq, per_model={})
    expected_seq, prev, after = first_seq - 1, None, first_seq - 1
    try:
        while True:
            with connection.cursor() as cursor:
                cursor.execute(_LINKS_SQL, [after, last_seq, chunk])
                links = cursor.fetchall()
            if not links:
                break
            after = links[-1][0]
            digests = _chunk_digests(links, specs)
            expected_seq, prev = _check_links(seg, links, digests, expected_seq, prev)
            if seg.problem is not None:
                return seg
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


def _package():
    """``tracker.audit.chain``, whose ``PARALLEL_MIN_ROWS`` and ``MIN_SEGMENT`` a verification
    reads at call time: the names tests replace."""
    from tracker.audit import chain as package

    return package


def _verified_segments(top: int, chunk: int, workers: int | None) -> list[_Segment]:
    """The links 1..top checked in segments: in this process, or in ``workers`` processes."""
    package = _package()
    if workers is None:
        workers = (os.cpu_count() or 1) if top >= package.PARALLEL_MIN_ROWS else 1
    if connection.in_atomic_block:
        workers = 1
    workers = max(1, min(workers, top // package.MIN_SEGMENT or 1))
    if workers == 1:
        return [_verify_segment(1, top, chunk)] if top else []
    return _run_segments(_segments(top, workers), chunk)


def _join_segments(segments: list[_Segment]) -> tuple[int, str, dict, tuple | None]:
    """Join the segments link to link: links checked, the hash reached, links per model, and the
    first problem (kind, message, where) as a single pass would name it, or None."""
    count, prev, per_model = 0, GENESIS, {}
    for seg in segments:
        first_seq_wrong = (
            seg.problem is not None and seg.count == 0 and seg.problem[0] == "sequence"
        )
        if seg.first_link is not None and seg.first_prev != prev and not first_seq_wrong:
            label, row_id = seg.first_link
            message = (
                f"chain link altered or reordered at seq {seg.first_seq}: {label} row {row_id}"
            )
            return (
                count,
                prev,
                per_model,
                (
                    "link",
                    message,
                    {"model": label, "row_id": row_id, "seq": seg.first_seq},
                ),
            )
        count += seg.count
        prev = seg.last_hash or prev
        if seg.problem is not None:
            return count, prev, per_model, seg.problem
        for label, n in seg.per_model.items():
            per_model[label] = per_model.get(label, 0) + n
    return count, prev, per_model, None


def _head_problem(count: int, prev: str) -> tuple | None:
    """The head row must name the last link of the chain."""
    from tracker.models import AuditChainHead

    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != count or head.hash != prev):
        return (
            "head",
            f"chain head mismatch: head says seq {head.seq}, chain ends at seq {count}",
            {"seq": count},
        )
    return None


def _stray_problem(per_model: dict) -> tuple | None:
    """Every history row must be in the chain: the first table with more rows than links names
    its first row without a link."""
    from tracker.models import AuditChainEntry

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
            return (
                "inserted",
                f"history row not in the chain (inserted outside the application): "
                f"{label} row {stray}",
                {"model": label, "row_id": stray, "seq": None},
            )
    return None


def _witness_problem() -> tuple[int, tuple | None]:
    """The witnessed heads checked, and the problem naming each one that no longer holds."""
    from tracker.audit.witness import check_witnesses

    witnessed, problems = check_witnesses()
    if not problems:
        return witnessed, None
    return witnessed, (
        "witness",
        f"{len(problems)} of {witnessed} witnessed chain heads no longer hold:\n"
        + "\n".join(f"  {p}" for p in problems),
        {"seq": problems[0].seq, "witnesses": [p.witness_id for p in problems]},
    )


def verify_chain(chunk: int = 5000, workers: int | None = None) -> VerifyResult:
    """Recompute the chain; the first broken link is named (model, row id, sequence). Then
    every witnessed head must still be the link at its sequence, under a matching HMAC
    (``tracker.audit.witness``): each failing witness is named.

    Large chains are checked in ``workers`` processes (default: one per CPU), each over a
    contiguous range of links; the ranges are then joined link to link, so the result, and
    the first broken link named, are those of a single pass. Inside a transaction (tests)
    the check runs in this process, which alone sees the uncommitted rows."""
    from tracker.models import AuditChainEntry

    started = time.perf_counter()
    top = AuditChainEntry.objects.aggregate(top=models.Max("seq"))["top"] or 0
    segments = _verified_segments(top, chunk, workers)
    count, prev, per_model, problem = _join_segments(segments)
    if problem is None:
        problem = _head_problem(count, prev) or _stray_problem(per_model)
    witnessed = 0
    if problem is None:
        witnessed, problem = _witness_problem()
    if problem is not None:
        kind, message, where = problem
        seconds = time.perf_counter() - started
        return VerifyResult(False, count, prev, message, seconds, {"kind": kind, **where})
    return VerifyResult(True, count, prev, "ok", time.perf_counter() - started, witnesses=witnessed)
