"""Tamper evidence: a SHA-256 hash chain over every history row, and append-only triggers.

Every history row (django-simple-history, any tracked model, m2m history included) is linked
into one chain in the same transaction as the change. ``verify_chain`` recomputes it.

A package by concern: ``tracked`` (which tables the chain covers), ``hashing`` (canonical
serialisation, row digests, link hashes), ``writing`` (appending links, the history signal
receivers, the bulk path, the head), ``verification`` (``verify_chain``, in one process or in
workers) and ``triggers`` (the append-only and frozen-report triggers). Every name is
re-exported here: import from ``tracker.audit.chain``; ``PARALLEL_MIN_ROWS`` and
``MIN_SEGMENT`` are read here when a verification starts.
"""

from __future__ import annotations

from tracker.audit.chain.hashing import (
    _ENCODER,
    _IDENTITY_ON_READ,
    _SPECS,
    EMPTY,
    GENESIS,
    UTC,
    RowSpec,
    _decimal_normaliser,
    _digester,
    _norm_bool,
    _norm_date,
    _norm_datetime,
    _norm_file,
    _norm_int,
    _norm_json,
    _norm_text,
    _normaliser,
    _pairs,
    digest_instance,
    digest_row,
    digest_values,
    link_hash,
    row_spec,
)
from tracker.audit.chain.tracked import (
    APPEND_ONLY_MODELS,
    TRACKED_APPS,
    history_models,
    register_append_only,
)
from tracker.audit.chain.triggers import (
    FROZEN_REPORTS,
    PG_FROZEN_FUNCTION,
    PG_FUNCTION,
    _drop_frozen_reports,
    _install_frozen_reports,
    drop_triggers,
    install_triggers,
    protected_tables,
)
from tracker.audit.chain.verification import (
    MIN_SEGMENT,
    PARALLEL_MIN_ROWS,
    VerifyResult,
    _raw_rows,
    _run_segments,
    _Segment,
    _segments,
    _verify_segment,
    _worker_segment,
    _worker_start,
    verify_chain,
)
from tracker.audit.chain.writing import (
    _chain_history_row,
    _chain_m2m_history_rows,
    _locked_head,
    bulk_create_with_history,
    chain_append,
    chain_head,
    chain_link,
)

__all__ = [
    "APPEND_ONLY_MODELS",
    "EMPTY",
    "FROZEN_REPORTS",
    "GENESIS",
    "MIN_SEGMENT",
    "PARALLEL_MIN_ROWS",
    "PG_FROZEN_FUNCTION",
    "PG_FUNCTION",
    "RowSpec",
    "TRACKED_APPS",
    "UTC",
    "VerifyResult",
    "_ENCODER",
    "_IDENTITY_ON_READ",
    "_SPECS",
    "_Segment",
    "_chain_history_row",
    "_chain_m2m_history_rows",
    "_decimal_normaliser",
    "_digester",
    "_drop_frozen_reports",
    "_install_frozen_reports",
    "_locked_head",
    "_norm_bool",
    "_norm_date",
    "_norm_datetime",
    "_norm_file",
    "_norm_int",
    "_norm_json",
    "_norm_text",
    "_normaliser",
    "_pairs",
    "_raw_rows",
    "_run_segments",
    "_segments",
    "_verify_segment",
    "_worker_segment",
    "_worker_start",
    "bulk_create_with_history",
    "chain_append",
    "chain_head",
    "chain_link",
    "digest_instance",
    "digest_row",
    "digest_values",
    "drop_triggers",
    "history_models",
    "install_triggers",
    "link_hash",
    "protected_tables",
    "register_append_only",
    "row_spec",
    "verify_chain",
]
