"""Witnessed chain heads: anchors a database administrator cannot quietly recompute.

Every verification, issued report, catalogue edition, archive and daily reminders run records
the head of the audit chain it saw (sequence and hash) in the append-only ``ChainWitness``
table, with an HMAC-SHA256 of ``"seq|head"`` under ``settings.AUDIT_WITNESS_KEY``, a key that
lives in the environment, not in the database. ``check_witnesses`` (run by ``verify_chain``)
fails when the chain no longer holds a witnessed head at its sequence (the last links deleted
and the head moved back, or a row edited and every later link recomputed), or when a stored
HMAC does not match (a witness forged by someone without the key).
"""

from __future__ import annotations

import hashlib
import hmac as hmac_lib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from tracker.audit.chain import GENESIS, chain_head
from tracker.audit.models import ChainWitness

Source = ChainWitness.Source


def witness_key() -> bytes:
    key = getattr(settings, "AUDIT_WITNESS_KEY", "") or ""
    if not key:
        raise ImproperlyConfigured(
            "未设置审计链见证密钥（TRACKER_AUDIT_WITNESS_KEY）。AUDIT_WITNESS_KEY is not set."
        )
    return key.encode()


def witness_hmac(seq: int, head: str, key: bytes | None = None) -> str:
    return hmac_lib.new(key or witness_key(), f"{seq}|{head}".encode(), hashlib.sha256).hexdigest()


def witness_head(
    source: str, reference: str = "", *, seq: int | None = None, head: str | None = None
) -> ChainWitness:
    """Record the chain head (the current one, or the ``seq``/``head`` the caller saw)."""
    if seq is None or head is None:
        seq, head = chain_head()
    return ChainWitness.objects.create(
        seq=seq,
        head=head,
        source=source,
        reference=str(reference)[:200],
        hmac=witness_hmac(seq, head),
    )


@dataclass
class WitnessProblem:
    witness_id: int
    source: str
    reference: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return (
            f"witness #{self.witness_id} ({self.source}"
            f"{' ' + self.reference if self.reference else ''}, seq {self.seq}): {self.reason}"
        )


LOOKUP_BATCH = 500


def check_witnesses() -> tuple[int, list[WitnessProblem]]:
    """Every witness against the chain and the key: (witnesses checked, problems).

    One query for the witnesses, then the witnessed links by their unique sequence number."""
    key = witness_key()
    witnesses = list(
        ChainWitness.objects.order_by("id").values_list(
            "id", "seq", "head", "hmac", "source", "reference"
        )
    )
    wanted = sorted({w[1] for w in witnesses if w[1]})
    hashes: dict[int, str] = {0: GENESIS}
    with connection.cursor() as cursor:
        for i in range(0, len(wanted), LOOKUP_BATCH):
            batch = wanted[i : i + LOOKUP_BATCH]
            placeholders = ", ".join(["%s"] * len(batch))
            cursor.execute(
                f"SELECT seq, hash FROM tracker_auditchainentry WHERE seq IN ({placeholders})",
                batch,
            )
            hashes.update(cursor.fetchall())
    problems = []
    for wid, seq, head, stored_hmac, source, reference in witnesses:
        reasons = []
        if not hmac_lib.compare_digest(stored_hmac, witness_hmac(seq, head, key)):
            reasons.append("HMAC does not match (witness forged or altered)")
        found = hashes.get(seq)
        if found is None:
            reasons.append("the chain no longer has a link at the witnessed seq")
        elif found != head:
            reasons.append(f"the chain's link at seq {seq} no longer has the witnessed head")
        if reasons:
            problems.append(WitnessProblem(wid, source, reference, seq, "; ".join(reasons)))
    return len(witnesses), problems


def serving_role_grants(role: str) -> list[str]:
    """The privileges of the role the application serves with (docs/security.md): it owns
    nothing, so it cannot ALTER TABLE ... DISABLE TRIGGER; on the history, chain, witness and
    access-log tables it may only SELECT and INSERT. Run by the owner after every migrate."""
    from tracker.audit.chain import protected_tables

    qn = connection.ops.quote_name
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {qn(role)}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {qn(role)}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {qn(role)}",
    ]
    for table in protected_tables():
        statements.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON {qn(table)} FROM {qn(role)}")
    return statements
