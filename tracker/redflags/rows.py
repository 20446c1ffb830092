"""The maintained red-flag rows (``RedFlagHit``): one indexed query counts a province.

Every change to tracked data writes a history row, and every history row is a link of the
audit chain, in the same transaction. ``sync`` reads the links added since it last ran, works
out which cases they can affect — from the rules' own declarations: every model a rule's
condition reads, with the lookup from Case to it (``Rule.reach``); a match rule names the
jurisdictions to match again — and recomputes those cases' rows with the same rules. Readers
call it first, so the counts are never older than the data; rules about dates still ahead
store the date after which they lapse.
"""

from __future__ import annotations

import datetime

from django.db import models, transaction
from django.db.models import Q, Subquery
from django.utils import timezone

from tracker.audit.chain import history_models
from tracker.models import AuditChainEntry, AuditChainHead, Case, RedFlagHit, RedFlagState
from tracker.redflags.rules import entries, flag_annotations

FULL_REBUILD_LINKS = 50_000  # past this many new links, recompute every case instead
CHUNK = 2000


def live_hits(today: datetime.date | None = None) -> models.QuerySet[RedFlagHit]:
    today = today or timezone.localdate()
    return RedFlagHit.objects.filter(Q(until__isnull=True) | Q(until__gt=today))


def _changed_objects(links: dict[str, list[int]]) -> dict[type, set[int]]:
    """The tracked objects the given history rows are versions of, per model."""
    by_label = {m._meta.label_lower: m for m in history_models()}
    changed: dict[type, set[int]] = {}
    for label, ids in links.items():
        history = by_label.get(label)
        model = getattr(history, "instance_type", None)
        if model is None:  # many-to-many rows: the owner's own version is a link too
            continue
        pk = history._meta.pk.attname
        found = changed.setdefault(model, set())
        for start in range(0, len(ids), CHUNK):
            found |= set(
                history.objects.filter(**{f"{pk}__in": ids[start : start + CHUNK]}).values_list(
                    model._meta.pk.attname, flat=True
                )
            )
    return changed


def _affected(changed: dict[type, set[int]]) -> tuple[set[int], set[int]]:
    """Cases whose condition rules the changed objects can change, and the jurisdictions whose
    matches must be recomputed."""
    lookups: set[tuple[type, str]] = set()
    places: set[int] = set()
    for e in entries():
        if e.rule.matching:
            places |= e.rule.places(changed)
        else:
            lookups |= set(e.rule.reach())
    cases: set[int] = set(changed.get(Case, ()))
    for model, lookup in lookups:
        ids = sorted(changed.get(model, ()))
        if not lookup or not ids:
            continue
        for start in range(0, len(ids), CHUNK):
            cases |= set(
                Case.objects.filter(**{f"{lookup}__in": ids[start : start + CHUNK]})
                .order_by()
                .values_list("pk", flat=True)
                .distinct()
            )
    return cases, places


def _rule_flags(case_ids: list[int], today: datetime.date) -> list[RedFlagHit]:
    """Every condition rule for these cases, as rows (one query per chunk)."""
    annotations = flag_annotations(today)
    condition_rules = [e for e in entries() if not e.rule.matching]
    rows = (
        Case.objects.filter(pk__in=case_ids)
        .annotate(**annotations)
        .values("pk", "jurisdiction_id", "deadline", *annotations)
    )
    hits: list[RedFlagHit] = []
    for row in rows:
        for e in condition_rules:
            if not row[f"r_{e.code}"]:
                continue
            until = None
            if e.rule.dated and not row[f"f_{e.code}"]:
                dates = [row[f"u{i}_{e.code}"] for i in range(len(e.rule.dated))]
                until = max((d for d in dates if d is not None), default=None)
            hits.append(
                RedFlagHit(
                    case_id=row["pk"],
                    jurisdiction_id=row["jurisdiction_id"],
                    deadline=row["deadline"],
                    rule=e.code,
                    until=until,
                )
            )
    return hits


def _match_flags_in(places: set[int]) -> list[RedFlagHit]:
    hits: list[RedFlagHit] = []
    for e in entries():
        if not e.rule.matching:
            continue
        scoped = e.rule.scope(places).filter(e.scope_q())
        matched = e.rule.matches(scoped)
        for pk, place, deadline in Case.objects.filter(pk__in=list(matched)).values_list(
            "pk", "jurisdiction_id", "deadline"
        ):
            hits.append(
                RedFlagHit(case_id=pk, jurisdiction_id=place, deadline=deadline, rule=e.code)
            )
    return hits


def _recompute(cases: set[int] | None, places: set[int] | None, today: datetime.date) -> None:
    """Replace the rows of these cases (all cases: None) and the match rows of these places."""
    match_codes = [e.code for e in entries() if e.rule.matching]
    if cases is None:
        RedFlagHit.objects.all().delete()
        ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
        places = set(Case.objects.order_by().values_list("jurisdiction_id", flat=True).distinct())
        cases_done = True
    else:
        ids = sorted(cases)
        cases_done = False
    new: list[RedFlagHit] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        if not cases_done:
            RedFlagHit.objects.filter(case__in=chunk).exclude(rule__in=match_codes).delete()
        new += _rule_flags(chunk, today)
    if places:
        if not cases_done:
            # Rows carry the jurisdiction they were computed in; the places include every
            # jurisdiction a changed case has been in, so a moved case's old rows go too.
            RedFlagHit.objects.filter(rule__in=match_codes, jurisdiction__in=places).delete()
        new += _match_flags_in(places)
    RedFlagHit.objects.bulk_create(new, batch_size=1000)


def sync(today: datetime.date | None = None, *, rebuild: bool = False) -> int:
    """Bring the red-flag rows up to date with the audit chain; returns the links read.

    Cheap when nothing changed (one query). Serialised on the state row, so concurrent
    readers never recompute the same links twice."""
    today = today or timezone.localdate()
    head = AuditChainHead.objects.filter(pk=1).values("seq")
    state = (
        RedFlagState.objects.filter(pk=1)
        .annotate(top=Subquery(head[:1]))
        .values_list("seq", "day", "top")
        .first()
    )
    if not rebuild and state is not None:
        seq, day, top = state
        if seq >= (top or 0) and day is not None and day <= today:
            return 0
    with transaction.atomic():
        RedFlagState.objects.get_or_create(pk=1)
        state = RedFlagState.objects.select_for_update().get(pk=1)
        top = AuditChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
        if not rebuild and state.seq >= top and state.day is not None and state.day <= today:
            return 0
        new_links = top - state.seq
        rebuild = rebuild or state.day is None or state.day > today
        if rebuild or new_links > FULL_REBUILD_LINKS:
            _recompute(None, None, today)
        else:
            links: dict[str, list[int]] = {}
            for label, row_id in AuditChainEntry.objects.filter(
                seq__gt=state.seq, seq__lte=top
            ).values_list("model", "row_id"):
                links.setdefault(label, []).append(row_id)
            cases, places = _affected(_changed_objects(links))
            _recompute(cases, places, today)
        state.seq, state.synced_at, state.day = top, timezone.now(), today
        state.save(update_fields=["seq", "synced_at", "day"])
    return new_links
