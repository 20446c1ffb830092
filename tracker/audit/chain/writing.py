"""Appending to the chain: links written under the locked head row, the history signal
receivers, the bulk path and the chain head."""

from __future__ import annotations

from django.db import models, transaction
from django.dispatch import receiver
from django.utils import timezone
from simple_history.signals import (
    post_create_historical_m2m_records,
    post_create_historical_record,
)

from tracker.audit.chain.hashing import GENESIS, digest_instance, link_hash, row_spec
from tracker.audit.chain.tracked import TRACKED_APPS


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
