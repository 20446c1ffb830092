"""Hydration of one page of the index: rows, predecessors, m2m snapshots, display names."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy

from tracker.audit.timeline.entries import Change, TimelineEntry, diff_fields, display
from tracker.audit.timeline.source_specs import Source, sources
from tracker.cases.workflow import Status
from tracker.models import Case, User

# --- hydration ---------------------------------------------------------------------------


def _load_rows(source: Source, ids: list[int]) -> list:
    """The rows with these history ids and, in the same query, the row before each of them."""
    model = source.model
    pk = source.pk_name
    before = (
        model.objects.filter(**{pk: OuterRef(pk), "history_id__lt": OuterRef("history_id")})
        .order_by("-history_id")
        .values("history_id")[:1]
    )
    page = model.objects.filter(history_id__in=ids).order_by()
    previous = page.annotate(p=Subquery(before)).values("p")
    # A UNION rather than "IN (ids) OR IN (previous)": PostgreSQL scans the whole history
    # table for the OR, and probes the primary key for each id of the union.
    wanted = page.values("history_id").union(previous, all=True)
    return list(model.objects.filter(history_id__in=wanted).order_by("history_id"))


def _names(wanted: dict[type, set]) -> dict:
    """Current objects for every related id seen, one query per related model."""
    names: dict = {}
    for model, ids in wanted.items():
        ids.discard(None)
        if not ids:
            continue
        qs = model._default_manager.filter(pk__in=ids)
        for obj in qs:
            names[(model, obj.pk)] = obj
    return names


def _want_relations(wanted: dict, history_model, recs: Iterable) -> None:
    fks = [f for f in diff_fields(history_model) if f.is_relation]
    for rec in recs:
        wanted.setdefault(User, set()).add(rec.history_user_id)
        for f in fks:
            wanted.setdefault(f.related_model, set()).add(getattr(rec, f.attname))


def _m2m_snapshots(source: Source, history_ids: set[int], wanted: dict) -> dict:
    """{(m2m label, history id): frozenset of member ids} for the given history rows."""
    snaps: dict = {}
    for spec in source.m2m:
        for hid in history_ids:
            snaps[(spec.label, hid)] = set()
        rows = spec.model.objects.filter(history_id__in=history_ids).values_list(
            "history_id", spec.target_attname
        )
        for hid, target in rows:
            snaps[(spec.label, hid)].add(target)
            wanted.setdefault(spec.target_model, set()).add(target)
    return {k: frozenset(v) for k, v in snaps.items()}


def _action(source: Source, rec, prev) -> str:
    if source.key == "case":
        if rec.history_type == "+" or prev is None:
            return "create"
        if prev.status != rec.status:
            return "withdraw" if rec.status == Status.WITHDRAWN else "transition"
        return "update"
    return source.create_action if rec.history_type == "+" else source.change_action


def _object_label(source: Source, rec) -> str:
    label = str(source.label)
    if source.key == "flag":
        return f"{label}：{rec.get_flag_type_display()}"
    if source.title_field:
        title = getattr(rec, source.title_field, "")
        if title:
            return f"{label}：{title}"
    return label


def _effective_date(source: Source, rec, prev) -> datetime.date | None:
    if source.key == "case":
        if rec.decision_date and (prev is None or prev.decision_date != rec.decision_date):
            return rec.decision_date
        return None
    if source.effective_field:
        return getattr(rec, source.effective_field, None)
    return None


def _changes(source: Source, rec, prev, snaps: dict, names: dict) -> list[Change]:
    changes = []
    for f in diff_fields(source.model):
        new = getattr(rec, f.attname)
        if prev is None:
            if new is None or new == "" or new is False:
                continue
            changes.append(Change(str(f.verbose_name), "", display(f, new, names)))
            continue
        old = getattr(prev, f.attname)
        if old != new:
            changes.append(
                Change(str(f.verbose_name), display(f, old, names), display(f, new, names))
            )
    for spec in source.m2m:
        new_set = snaps.get((spec.label, rec.history_id), frozenset())
        old_set = snaps.get((spec.label, prev.history_id), frozenset()) if prev else frozenset()
        if new_set != old_set:
            changes.append(
                Change(
                    spec.label,
                    _names_of(spec.target_model, old_set, names),
                    _names_of(spec.target_model, new_set, names),
                )
            )
    return changes


def _names_of(model, ids: Iterable, names: dict) -> str:
    return "、".join(sorted(str(names.get((model, i), f"#{i}")) for i in ids))


def _load_page(rows: list[dict]) -> tuple[dict, dict, dict, dict]:
    """Per source of the page: its rows by history id, each row's predecessor, its m2m
    snapshots; and the related ids to name (one query per source and per m2m field)."""
    all_sources = sources()
    by_source: dict[str, list[int]] = {}
    for row in rows:
        by_source.setdefault(row["src"], []).append(row["history_id"])
    loaded: dict[str, dict[int, Any]] = {}
    previous: dict[str, dict[int, Any]] = {}
    snaps: dict[str, dict] = {}
    wanted: dict[type, set] = {}
    for key, ids in by_source.items():
        source = all_sources[key]
        recs = _load_rows(source, ids)
        loaded[key] = {r.history_id: r for r in recs}
        last_of: dict[Any, Any] = {}
        prev_of: dict[int, Any] = {}
        for rec in recs:  # ascending history id: each row's predecessor is the last one seen
            obj_id = getattr(rec, source.pk_name)
            prev_of[rec.history_id] = last_of.get(obj_id)
            last_of[obj_id] = rec
        previous[key] = prev_of
        _want_relations(wanted, source.model, recs)
        snaps[key] = _m2m_snapshots(source, set(loaded[key]), wanted) if source.m2m else {}
    return loaded, previous, snaps, wanted


def _cases_of(loaded: dict[str, dict[int, Any]]) -> set:
    """The ids of the cases the loaded rows belong to."""
    all_sources = sources()
    case_ids = set()
    for key, recs in loaded.items():
        attname = all_sources[key].case_attname
        if attname:
            case_ids.update(getattr(r, attname) for r in recs.values())
    return case_ids


def hydrate(
    rows: list[dict], *, with_cases: bool = False, fold: bool = True
) -> list[TimelineEntry]:
    """Turn index rows ({"src", "history_id", ...}) into labelled, diffed entries, in order."""
    all_sources = sources()
    loaded, previous, snaps, wanted = _load_page(rows)
    case_ids = _cases_of(loaded) if with_cases else set()
    names = _names(wanted)
    cases = (
        {
            c.pk: c
            for c in Case.objects.filter(pk__in=case_ids).select_related(
                "jurisdiction", "department"
            )
        }
        if case_ids
        else {}
    )
    entries = []
    for row in rows:
        source = all_sources[row["src"]]
        rec = loaded[row["src"]].get(row["history_id"])
        if rec is None:
            continue
        prev = previous[row["src"]].get(rec.history_id)
        case_id = getattr(rec, source.case_attname) if source.case_attname else None
        entries.append(
            TimelineEntry(
                source=source.key,
                history_id=rec.history_id,
                when=rec.history_date,
                user=names.get((User, rec.history_user_id)),
                reason=rec.history_change_reason or "",
                action=_action(source, rec, prev),
                object_label=_object_label(source, rec),
                history_type=rec.history_type,
                effective_date=_effective_date(source, rec, prev),
                changes=_changes(source, rec, prev, snaps[row["src"]], names),
                case_id=case_id,
                case=cases.get(case_id),
            )
        )
    return _fold_registrations(entries, loaded.get("case", {})) if fold else entries


def _fold_registrations(entries: list[TimelineEntry], case_recs: dict) -> list[TimelineEntry]:
    """``case_create`` writes the case, its subject (with its many-to-many values) and its
    milestones at one instant; the index lists only the case's row, and its "create" entry
    shows the subject's fields and the milestones written with it."""
    creates = {
        (e.case_id, e.when): e for e in entries if e.source == "case" and e.history_type == "+"
    }
    if not creates:
        return entries
    all_sources = sources()
    wanted: dict[str, Q] = {}
    for entry in creates.values():
        kind = case_recs[entry.history_id].kind
        for key in (f"subject.{kind}", "milestone"):
            source = all_sources[key]
            match = Q(**{source.case_attname: entry.case_id, "history_date": entry.when})
            wanted[key] = wanted.get(key, Q(pk__in=[])) | match
    rows = [
        {"src": key, "history_id": hid}
        for key, q in wanted.items()
        for hid in all_sources[key].model.objects.filter(q).values_list("history_id", flat=True)
    ]
    for part in sorted(
        hydrate(rows, fold=False), key=lambda e: (e.source == "milestone", e.history_id)
    ):
        owner = creates[(part.case_id, part.when)]
        if part.source == "milestone":
            name = part.object_label.split("：", 1)[-1]
            owner.changes.append(Change(str(gettext_lazy("进度节点")), "", name))
            continue
        known = {c.field: c for c in owner.changes}
        for change in part.changes:
            if change.field in known:  # a many-to-many value set just after the subject
                known[change.field].new = change.new
            else:
                owner.changes.append(change)
    return entries
