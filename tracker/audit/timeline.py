"""History readers: the case timeline, versions (as-of, compare) and the global audit log.

Every page that shows history reads it through here. A page of history is built with a
constant number of queries, whatever the number of events:

1. an *index*: one ``UNION ALL`` over the history tables involved (source key, history id,
   time), filtered and scoped in SQL, ordered and sliced by the database, plus one COUNT;
2. *hydration* of that page only: per history table one query for the page's rows and their
   predecessors (to diff against), one per many-to-many snapshot, and one per related model
   for display names (choice labels and names, never ids).

Versions are whole-case states rebuilt from history rows at a moment (``case_state_as_of``);
``compare_states`` lines two of them up field by field.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.core.paginator import Page
from django.db import models
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracker.audit import asof
from tracker.audit.chain import history_models
from tracker.cases.registry import get_kind, kinds
from tracker.cases.scoping import jurisdiction_filter
from tracker.cases.workflow import Status
from tracker.models import (
    Case,
    CaseFlag,
    Department,
    Evidence,
    InspectionNote,
    Jurisdiction,
    Milestone,
    Note,
    ReviewMarker,
    User,
)
from tracker.web.pagination import BoundedPaginator

# --- actions -------------------------------------------------------------------------------

ACTIONS: tuple[tuple[str, Any], ...] = (
    ("create", gettext_lazy("新建")),
    ("update", gettext_lazy("修改")),
    ("transition", gettext_lazy("状态变更")),
    ("withdraw", gettext_lazy("撤回")),
    ("milestone", gettext_lazy("进度节点")),
    ("evidence", gettext_lazy("佐证材料")),
    ("note", gettext_lazy("备注")),
    ("inspection", gettext_lazy("纪检检查")),
)
ACTION_LABELS: dict[str, Any] = dict(ACTIONS)


class TimelineError(ValueError):
    """Bad input to a history reader (unknown filter value, bad version, bad time)."""


# --- sources: one per history table ---------------------------------------------------------


@dataclass(frozen=True)
class M2MSpec:
    """A many-to-many field whose membership is snapshotted with each history row."""

    label: str
    model: type[models.Model]  # the m2m history model (one row per member per history row)
    target_attname: str
    target_model: type[models.Model]


@dataclass(frozen=True)
class Source:
    """One history table as the readers see it: how to scope it, label it and name its actions."""

    key: str
    model: type[models.Model]  # the history model
    label: Any
    case_field: str | None  # "id" for the case itself, "case" for case data, None for registers
    jurisdiction_field: str  # path to a Jurisdiction, for scoping
    kind: str | None = None  # subject sources: the one case kind they belong to
    create_action: str = "create"
    change_action: str = "update"
    title_field: str | None = None
    effective_field: str | None = None
    m2m: tuple[M2MSpec, ...] = ()

    @property
    def pk_name(self) -> str:
        return self.model.instance_type._meta.pk.attname

    @property
    def case_attname(self) -> str | None:
        if self.case_field == "case":
            return "case_id"
        return self.case_field

    def actions(self) -> set[str]:
        if self.key == "case":
            return {"create", "update", "transition", "withdraw"}
        return {self.create_action, self.change_action}


def _m2m_specs(history_model) -> tuple[M2MSpec, ...]:
    specs = []
    for m2m_field in getattr(history_model, "_history_m2m_fields", []):
        m2m_model = getattr(history_model, m2m_field.name).model
        target = m2m_field.related_model
        attname = next(
            f.attname
            for f in m2m_model._meta.concrete_fields
            if f.is_relation and f.related_model is target
        )
        specs.append(M2MSpec(str(m2m_field.verbose_name), m2m_model, attname, target))
    return tuple(specs)


CASE_PATH = "case__jurisdiction"


@cache
def sources() -> dict[str, Source]:
    """Every history source, case data first; built once the kinds are registered."""
    found: dict[str, Source] = {
        "case": Source("case", Case.history.model, gettext_lazy("事项"), "id", "jurisdiction")
    }
    for kind in kinds():
        history_model = kind.subject_model.history.model
        found[f"subject.{kind.key}"] = Source(
            f"subject.{kind.key}",
            history_model,
            gettext_lazy("登记信息"),
            "case",
            CASE_PATH,
            kind=kind.key,
            m2m=_m2m_specs(history_model),
        )
    found["milestone"] = Source(
        "milestone",
        Milestone.history.model,
        gettext_lazy("进度节点"),
        "case",
        CASE_PATH,
        change_action="milestone",
        title_field="name",
        effective_field="effective_date",
    )
    found["evidence"] = Source(
        "evidence",
        Evidence.history.model,
        gettext_lazy("佐证材料"),
        "case",
        CASE_PATH,
        create_action="evidence",
        change_action="evidence",
        title_field="title",
        effective_field="effective_date",
    )
    found["note"] = Source(
        "note",
        Note.history.model,
        gettext_lazy("备注"),
        "case",
        CASE_PATH,
        create_action="note",
        change_action="note",
    )
    found["inspection_note"] = Source(
        "inspection_note",
        InspectionNote.history.model,
        gettext_lazy("检查意见"),
        "case",
        CASE_PATH,
        create_action="inspection",
        change_action="inspection",
    )
    found["flag"] = Source(
        "flag",
        CaseFlag.history.model,
        gettext_lazy("检查标记"),
        "case",
        CASE_PATH,
        create_action="inspection",
        change_action="inspection",
    )
    known = {s.model for s in found.values()}
    for history_model in history_models():
        instance_type = getattr(history_model, "instance_type", None)
        if instance_type is None or history_model in known or instance_type is ReviewMarker:
            continue
        names = {f.name for f in instance_type._meta.concrete_fields}
        if "case" in names:
            continue
        if instance_type is Jurisdiction:
            path = "id"
        elif "jurisdiction" in names:
            path = "jurisdiction"
        else:
            continue  # not scoped to a jurisdiction: not part of anybody's audit scope
        key = f"register.{instance_type._meta.label_lower}"
        found[key] = Source(
            key,
            history_model,
            instance_type._meta.verbose_name,
            None,
            path,
            title_field="name"
            if "name" in names
            else ("username" if "username" in names else None),
        )
    return found


def case_sources(case_kind: str | None = None) -> list[Source]:
    """Sources holding one case's data (its own kind's subject only when the kind is given)."""
    return [
        s
        for s in sources().values()
        if s.case_field is not None and (s.kind is None or case_kind is None or s.kind == case_kind)
    ]


# --- display values ----------------------------------------------------------------------

SKIP_FIELDS = {
    "id",
    "version",
    "updated_at",
    "created_at",
    "case",
    "path",
    "recorded_at",
    "uploaded_at",
    "raised_at",
    "marked_at",
    "file",
    "size",
    "content_type",
    "date_joined",
    "is_superuser",
}


@cache
def diff_fields(history_model) -> tuple[models.Field, ...]:
    """The fields of a history model shown in diffs (bookkeeping and excluded fields left out)."""
    kept = {f.name for f in history_model._meta.concrete_fields}
    return tuple(
        f
        for f in history_model.instance_type._meta.concrete_fields
        if f.name in kept and f.name not in SKIP_FIELDS and not f.name.startswith("history_")
    )


def display(f: models.Field, value: Any, names: dict) -> str:
    """A human display value: choice labels, related objects' names, 是/否, local times."""
    if value is None or value == "":
        return ""
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(f, models.BooleanField):
        return str(_("是") if value else _("否"))
    if f.is_relation:
        obj = names.get((f.related_model, value))
        return str(obj) if obj is not None else f"#{value}"
    if isinstance(f, models.DateTimeField):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(f, models.DateField):
        return value.isoformat()
    return str(value)


@dataclass
class Change:
    """One field of one change: its label and the old and new display values."""

    field: str
    old: str
    new: str


@dataclass
class TimelineEntry:
    """One history row of one source, labelled and diffed against the row before it."""

    source: str
    history_id: int
    when: datetime.datetime
    user: Any
    reason: str
    action: str
    object_label: str
    history_type: str
    effective_date: datetime.date | None = None
    changes: list[Change] = field(default_factory=list)
    case_id: int | None = None
    case: Case | None = None  # filled in for the global audit log
    new_since_review: bool = False
    marker_before: bool = False

    @property
    def point(self) -> str:
        """The token naming this point of the timeline (compare, review marker)."""
        return f"{self.source}:{self.history_id}"

    @property
    def model(self) -> str:  # kept for older templates
        return self.source

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))

    @property
    def as_of_param(self) -> str:
        return timezone.localtime(self.when).strftime("%Y-%m-%dT%H:%M:%S.%f")

    def changes_text(self) -> str:
        return "；".join(
            f"{c.field}：{c.old} → {c.new}" if c.old != "" else f"{c.field}：{c.new}"
            for c in self.changes
        )


# --- the index ---------------------------------------------------------------------------


def _status_before(history_model) -> Subquery:
    return Subquery(
        history_model.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        .order_by("-history_id")
        .values("status")[:1]
    )


def _with_action(source: Source, qs: QuerySet, action: str) -> QuerySet | None:
    """Restrict one source's rows to an action, or None if the source never has it."""
    if not action:
        return qs
    if action not in source.actions():
        return None
    if source.key == "case":
        if action == "create":
            return qs.filter(history_type="+")
        qs = qs.exclude(history_type="+").annotate(status_before=_status_before(source.model))
        if action == "update":
            return qs.filter(status=F("status_before"))
        if action == "withdraw":
            return qs.filter(status=Status.WITHDRAWN).exclude(status_before=Status.WITHDRAWN)
        return qs.exclude(status=F("status_before")).exclude(status=Status.WITHDRAWN)
    if source.create_action == source.change_action:
        return qs
    if action == source.create_action:
        return qs.filter(history_type="+")
    return qs.exclude(history_type="+")


def _index_part(source: Source, qs: QuerySet) -> QuerySet:
    return (
        qs.order_by()
        .annotate(src=Value(source.key, output_field=CharField()))
        .values("history_id", "history_date", "src")
    )


def _union(parts: list[QuerySet]) -> QuerySet | None:
    if not parts:
        return None
    index = parts[0] if len(parts) == 1 else parts[0].union(*parts[1:], all=True)
    return index.order_by("-history_date", "-history_id")


def _case_parts(
    case: Case, *, action: str = "", user_id: int | None = None, until=None
) -> list[QuerySet]:
    parts = []
    for source in case_sources(case.kind):
        qs = source.model.objects.filter(**{source.case_attname: case.pk})
        if user_id:
            qs = qs.filter(history_user_id=user_id)
        if until is not None:
            qs = qs.filter(asof.as_of_moment(until))
        qs = _with_action(source, _without_registration_rows(source, qs), action)
        if qs is not None:
            parts.append(_index_part(source, qs))
    return parts


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


def hydrate(
    rows: list[dict], *, with_cases: bool = False, fold: bool = True
) -> list[TimelineEntry]:
    """Turn index rows ({"src", "history_id", ...}) into labelled, diffed entries, in order."""
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
    case_ids = set()
    if with_cases:
        for key, recs in loaded.items():
            attname = all_sources[key].case_attname
            if attname:
                case_ids.update(getattr(r, attname) for r in recs.values())
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


def _registration_q(source: Source) -> Q:
    """Rows of a subject or milestone written with their case's registration (same instant)."""
    registered = Case.history.model.objects.filter(
        id=OuterRef(source.case_attname), history_type="+", history_date=OuterRef("history_date")
    )
    return Q(Exists(registered))


def _without_registration_rows(source: Source, qs: QuerySet) -> QuerySet:
    """One version per user action: a registration is listed once, as its case's entry."""
    if source.key.startswith("subject.") or source.key == "milestone":
        return qs.exclude(_registration_q(source))
    return qs


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


# --- the case timeline -------------------------------------------------------------------


@dataclass
class TimelinePage:
    """One page of entries, newest first, with the paginator's page for the links."""

    entries: list[TimelineEntry]
    page: Page | None
    count: int | None  # None when not counted (``case_timeline(count=False)``)
    has_more: bool = False
    number: int = 1  # the page number when not counted (previous/next links only)

    @property
    def paginated(self) -> bool:
        return self.page is not None and self.page.paginator.num_pages > 1


def _paginate(index: QuerySet | None, page: int | str, per_page: int, **hydrate_kw) -> TimelinePage:
    if index is None:
        return TimelinePage([], None, 0)
    paginator = BoundedPaginator(index, per_page)
    current = paginator.get_page(page)
    entries = hydrate(list(current.object_list), **hydrate_kw)
    return TimelinePage(entries, current, paginator.count)


def case_timeline(
    case: Case,
    *,
    action: str = "",
    user_id: int | None = None,
    until: datetime.datetime | None = None,
    page: int | str = 1,
    per_page: int = 50,
    count: bool = True,
) -> TimelinePage:
    """The case's history across case, subject, milestones, evidence, notes and inspection.

    Newest first, filtered by action (a key of ``ACTION_LABELS``) and by user, optionally only
    up to ``until``; a constant number of queries whatever the number of events. With
    ``count=False`` only the ``per_page`` entries of ``page`` are read (no COUNT, no paginator;
    ``has_more`` says whether a next page exists).
    """
    if action and action not in ACTION_LABELS:
        raise TimelineError(_("未知的变更类型：%(v)s") % {"v": action})
    index = _union(_case_parts(case, action=action, user_id=user_id, until=until))
    if count or index is None:
        return _paginate(index, page, per_page)
    number = int(page) if str(page).isdigit() and int(page) > 0 else 1
    start = (number - 1) * per_page
    rows = list(index[start : start + per_page + 1])
    return TimelinePage(
        hydrate(rows[:per_page]), None, None, has_more=len(rows) > per_page, number=number
    )


def case_history(case: Case, limit: int | None = None) -> list[TimelineEntry]:
    """Every entry of the case's timeline (or the newest ``limit``), newest first."""
    index = _union(_case_parts(case))
    if index is None:
        return []
    rows = list(index[:limit] if limit else index)
    return hydrate(rows)


def case_timeline_users(case: Case) -> list[User]:
    """The people who appear in a case's history (for the user filter), in one query."""
    q = Q()
    for source in case_sources(case.kind):
        q |= Q(
            pk__in=source.model.objects.filter(**{source.case_attname: case.pk})
            .order_by()
            .values("history_user_id")
        )
    return list(User.objects.filter(q).order_by("username"))


def mark_review(entries: list[TimelineEntry], reviewed_up_to: datetime.datetime | None) -> None:
    """Flag entries newer than an inspector's marker and where the marker line goes."""
    if reviewed_up_to is None:
        return
    placed = False
    for entry in entries:
        entry.new_since_review = entry.when > reviewed_up_to
        if not placed and not entry.new_since_review:
            entry.marker_before = True
            placed = True


def count_since(case: Case, since: datetime.datetime, *, exclude_user: User | None = None) -> int:
    """How many history rows of the case were written after ``since`` (not by a given user)."""
    parts = []
    for source in case_sources(case.kind):
        qs = source.model.objects.filter(
            **{source.case_attname: case.pk, "history_date__gt": since}
        )
        if exclude_user is not None:
            qs = qs.exclude(history_user=exclude_user)
        parts.append(_index_part(source, qs))
    index = _union(parts)
    return index.count() if index is not None else 0


# --- points and versions -----------------------------------------------------------------

POINT_RE = re.compile(r"^(?P<src>[a-z_.]+):(?P<hid>\d{1,18})$")


@dataclass
class Point:
    """One point of a case's timeline: a history row of one of its sources."""

    source: str
    history_id: int
    when: datetime.datetime
    case_id: int
    user: Any = None
    reason: str = ""
    label: str = ""

    @property
    def token(self) -> str:
        return f"{self.source}:{self.history_id}"


def resolve_point(case: Case, token: str) -> Point:
    """The timeline point named by ``token`` ("milestone:42") of ``case``: a history id is
    looked up only among this case's rows, so another case's version (in scope or not) is a
    404 that names nothing, exactly like a case outside the user's scope."""
    match = POINT_RE.match((token or "").strip())
    all_sources = sources()
    if not match or match["src"] not in all_sources:
        raise TimelineError(_("无效的版本标识：%(t)s") % {"t": (token or "")[:40]})
    source = all_sources[match["src"]]
    if source.case_field is None:
        raise TimelineError(_("无效的版本标识：%(t)s") % {"t": token[:40]})
    rec = (
        source.model.objects.filter(
            **{"history_id": int(match["hid"]), source.case_attname: case.pk}
        )
        .select_related("history_user")
        .first()
    )
    if rec is None:
        raise Http404
    case_id = case.pk
    return Point(
        source=source.key,
        history_id=rec.history_id,
        when=rec.history_date,
        case_id=case_id,
        user=rec.history_user,
        reason=rec.history_change_reason or "",
        label=_object_label(source, rec),
    )


AS_OF_RE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})(?:[T ](?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d{1,6}))?)?)?$"
)


def parse_as_of(text: str, now: datetime.datetime | None = None) -> datetime.datetime:
    """The moment named by ``YYYY-MM-DD[THH:MM[:SS[.ffffff]]]`` in local time, inclusive.

    A date means the end of that day, a minute the end of that minute. A moment in the future
    or a malformed value raises TimelineError with a message for the user.
    """
    now = now or timezone.now()
    text = (text or "").strip()
    match = AS_OF_RE.match(text)
    bad = _("查看时间“%(v)s”格式不正确，应为 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM。") % {"v": text[:40]}
    if not match:
        raise TimelineError(bad)
    try:
        day = datetime.date.fromisoformat(match["date"])
        if match["h"] is None:
            start = datetime.datetime.combine(day, datetime.time())
            span = datetime.timedelta(days=1)
        else:
            micro = int((match["f"] or "").ljust(6, "0")) if match["f"] else 0
            start = datetime.datetime.combine(
                day,
                datetime.time(int(match["h"]), int(match["m"]), int(match["s"] or 0), micro),
            )
            if match["f"]:
                span = datetime.timedelta(microseconds=1)
            elif match["s"]:
                span = datetime.timedelta(seconds=1)
            else:
                span = datetime.timedelta(minutes=1)
        start = timezone.make_aware(start)
    except (ValueError, OverflowError):
        raise TimelineError(bad)
    if start > now:
        raise TimelineError(
            _("查看时间 %(v)s 晚于当前时间，不能查看未来的状态。") % {"v": text[:40]}
        )
    return min(start + span - datetime.timedelta(microseconds=1), now)


@dataclass
class SubjectValue:
    label: str
    value: Any


@dataclass
class CaseState:
    """A whole case as it stood at one moment, rebuilt from history rows."""

    at: datetime.datetime
    case: Case
    subject_fields: list[SubjectValue]
    milestones: list[Milestone]
    evidence: list[Evidence]
    notes: list[Note]
    case_history_id: int

    def overdue_days(self) -> int:
        return self.case.days_overdue(timezone.localtime(self.at).date())


def _latest_per_object(history_model, *, case_id: int, at: datetime.datetime) -> list:
    """The latest history row per object of a case up to a moment (deleted objects left out)."""
    latest = (
        history_model.objects.filter(asof.as_of_moment(at), case_id=case_id)
        .order_by()
        .values("id")
        .annotate(last=Max("history_id"))
        .values("last")
    )
    rows = history_model.objects.filter(history_id__in=latest).exclude(history_type="-")
    return list(rows)


def _attach_related(instances: list[models.Model], names: dict, case: Case) -> None:
    """Put related objects into the FK caches of rebuilt instances (no lazy queries later)."""
    for obj in instances:
        for f in obj._meta.concrete_fields:
            if f.is_relation and f.many_to_one:
                value = getattr(obj, f.attname)
                if value is None:
                    continue
                related = case if f.related_model is Case else names.get((f.related_model, value))
                f.set_cached_value(obj, related)


def _want_instance_relations(wanted: dict, instances: Iterable[models.Model]) -> None:
    for obj in instances:
        for f in obj._meta.concrete_fields:
            if f.is_relation and f.many_to_one and f.related_model is not Case:
                wanted.setdefault(f.related_model, set()).add(getattr(obj, f.attname))


def case_state_as_of(case: Case, at: datetime.datetime) -> CaseState | None:
    """The case, its subject, milestones, evidence and notes as they stood at ``at``.

    None if the case did not exist yet. Related objects carry their current names.
    """
    case_rec = (
        Case.history.filter(asof.as_of_moment(at), id=case.pk)
        .order_by("-history_date", "-history_id")
        .first()
    )
    if case_rec is None:
        return None
    kind = get_kind(case_rec.kind)
    subject_source = sources()[f"subject.{kind.key}"]
    subject_rec = (
        subject_source.model.objects.filter(asof.as_of_moment(at), case_id=case.pk)
        .order_by("-history_date", "-history_id")
        .first()
    )
    milestone_recs = _latest_per_object(Milestone.history.model, case_id=case.pk, at=at)
    evidence_recs = _latest_per_object(Evidence.history.model, case_id=case.pk, at=at)
    note_recs = _latest_per_object(Note.history.model, case_id=case.pk, at=at)
    old_case = case_rec.instance
    subject = subject_rec.instance if subject_rec is not None else None
    milestones = sorted((r.instance for r in milestone_recs), key=lambda m: (m.order, m.pk))
    evidence = sorted(
        (r.instance for r in evidence_recs), key=lambda e: (e.uploaded_at, e.pk), reverse=True
    )
    notes = sorted(
        (r.instance for r in note_recs), key=lambda n: (n.created_at, n.pk), reverse=True
    )
    wanted: dict[type, set] = {}
    everything = [old_case, *milestones, *evidence, *notes] + ([subject] if subject else [])
    _want_instance_relations(wanted, everything)
    snaps = (
        _m2m_snapshots(subject_source, {subject_rec.history_id}, wanted)
        if subject_rec is not None and subject_source.m2m
        else {}
    )
    names = _names(wanted)
    _attach_related(everything, names, old_case)
    return CaseState(
        at=at,
        case=old_case,
        subject_fields=_subject_values(kind, subject, subject_rec, subject_source, snaps, names),
        milestones=milestones,
        evidence=evidence,
        notes=notes,
        case_history_id=case_rec.history_id,
    )


def _subject_values(kind, subject, subject_rec, source: Source, snaps: dict, names: dict):
    if subject is None:
        return []
    values = []
    m2m_by_name = {spec.label: spec for spec in source.m2m}
    for name in kind.subject_detail_fields:
        f = subject._meta.get_field(name)
        label = str(f.verbose_name)
        if f.many_to_many:
            spec = m2m_by_name.get(label)
            ids = snaps.get((label, subject_rec.history_id), frozenset()) if spec else ()
            values.append(SubjectValue(label, _names_of(f.related_model, ids, names)))
            continue
        values.append(SubjectValue(label, display(f, getattr(subject, f.attname), names)))
    return values


# --- compare -------------------------------------------------------------------------------

CASE_COMPARE_FIELDS = (
    "title",
    "status",
    "jurisdiction",
    "department",
    "owner",
    "registered_on",
    "deadline",
    "disposition",
    "decision_doc_no",
    "decision_date",
    "version",
)


@dataclass
class CompareRow:
    label: str
    a: str
    b: str

    @property
    def changed(self) -> bool:
        return self.a != self.b


@dataclass
class CompareSection:
    title: str
    rows: list[CompareRow]

    @property
    def changed_count(self) -> int:
        return sum(1 for r in self.rows if r.changed)


def _case_values(state: CaseState | None) -> dict[str, str]:
    if state is None:
        return {}
    case = state.case
    out = {}
    for name in CASE_COMPARE_FIELDS:
        f = Case._meta.get_field(name)
        if name == "disposition":
            out[name] = case.disposition_label() if case.disposition else ""
        elif f.is_relation:
            out[name] = str(getattr(case, name) or "")
        else:
            out[name] = display(f, getattr(case, f.attname), {})
    return out


def _milestone_text(m: Milestone) -> str:
    if not m.done:
        return str(_("未完成"))
    parts = [str(_("已完成")), m.effective_date.isoformat() if m.effective_date else ""]
    if m.doc_no:
        parts.append(m.doc_no)
    if m.evidence_id:
        parts.append(str(m.evidence or ""))
    return " ".join(p for p in parts if p)


def _evidence_text(e: Evidence) -> str:
    text = e.title + (f"（{e.doc_no}）" if e.doc_no else "")
    if e.superseded_by_id:
        text += " " + str(_("[已被替换为：%(t)s]") % {"t": e.superseded_by or ""})
    return text


def compare_states(a: CaseState | None, b: CaseState | None) -> list[CompareSection]:
    """Two versions of a case lined up field by field (rows flag the fields that differ)."""
    sections = []
    va, vb = _case_values(a), _case_values(b)
    sections.append(
        CompareSection(
            str(_("办理信息")),
            [
                CompareRow(str(Case._meta.get_field(n).verbose_name), va.get(n, ""), vb.get(n, ""))
                for n in CASE_COMPARE_FIELDS
            ],
        )
    )
    sa = {v.label: str(v.value) for v in (a.subject_fields if a else [])}
    sb = {v.label: str(v.value) for v in (b.subject_fields if b else [])}
    labels = list(dict.fromkeys([*sa, *sb]))
    sections.append(
        CompareSection(
            str(_("登记信息")),
            [CompareRow(lbl, sa.get(lbl, ""), sb.get(lbl, "")) for lbl in labels],
        )
    )
    ma = {m.pk: m for m in (a.milestones if a else [])}
    mb = {m.pk: m for m in (b.milestones if b else [])}
    order = sorted({*ma, *mb}, key=lambda pk: ((ma.get(pk) or mb.get(pk)).order, pk))
    sections.append(
        CompareSection(
            str(_("进度节点")),
            [
                CompareRow(
                    (ma.get(pk) or mb.get(pk)).name,
                    _milestone_text(ma[pk]) if pk in ma else "",
                    _milestone_text(mb[pk]) if pk in mb else "",
                )
                for pk in order
            ],
        )
    )
    ea = {e.pk: e for e in (a.evidence if a else [])}
    eb = {e.pk: e for e in (b.evidence if b else [])}
    sections.append(
        CompareSection(
            str(_("佐证材料")),
            [
                CompareRow(
                    (ea.get(pk) or eb.get(pk)).title,
                    _evidence_text(ea[pk]) if pk in ea else "",
                    _evidence_text(eb[pk]) if pk in eb else "",
                )
                for pk in sorted({*ea, *eb})
            ],
        )
    )
    return sections


# --- the global audit log --------------------------------------------------------------------


@dataclass
class AuditFilters:
    """The global audit log's filters; each one already checked against the viewer's scope."""

    user: User | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    kind: str = ""
    jurisdiction: Jurisdiction | None = None
    department: Department | None = None
    action: str = ""
    text: str = ""


def _text_q(source: Source, text: str) -> Q:
    q = Q(history_change_reason__icontains=text)
    if source.key == "case":
        q |= Q(reference__icontains=text) | Q(title__icontains=text)
    elif source.case_field:
        q |= Q(case__reference__icontains=text) | Q(case__title__icontains=text)
    for f in diff_fields(source.model):
        if isinstance(f, (models.CharField, models.TextField)) and not f.choices:
            q |= Q(**{f"{f.name}__icontains": text})
    return q


def audit_index(viewer: User, filters: AuditFilters) -> QuerySet | None:
    """The ordered index (src, history_id, history_date) of every change in the viewer's scope."""
    if filters.action and filters.action not in ACTION_LABELS:
        raise TimelineError(_("未知的操作类型：%(v)s") % {"v": filters.action})
    parts = []
    for source in sources().values():
        if source.case_field is None and (filters.kind or filters.department):
            continue  # registers have no case kind and no responsible department
        if source.kind and filters.kind and source.kind != filters.kind:
            continue
        on_case = "" if source.case_field == "id" else "case__"
        qs = source.model.objects.filter(jurisdiction_filter(viewer, source.jurisdiction_field))
        if filters.kind and source.case_field:
            qs = qs.filter(**{f"{on_case}kind": filters.kind})
        if filters.department is not None:
            qs = qs.filter(**{f"{on_case}department": filters.department.pk})
        if filters.jurisdiction is not None:
            subtree = Jurisdiction.objects.filter(path__startswith=filters.jurisdiction.path)
            qs = qs.filter(**{f"{source.jurisdiction_field}__in": subtree.values("pk")})
        if filters.user is not None:
            qs = qs.filter(history_user_id=filters.user.pk)
        if filters.date_from:
            qs = qs.filter(history_date__gte=asof.local_midnight(filters.date_from))
        if filters.date_to:
            qs = qs.filter(asof.as_of_day(filters.date_to))
        if filters.text.strip():
            qs = qs.filter(_text_q(source, filters.text.strip()))
        qs = _with_action(source, _without_registration_rows(source, qs), filters.action)
        if qs is not None:
            parts.append(_index_part(source, qs))
    return _union(parts)


def audit_log(
    viewer: User, filters: AuditFilters, *, page: int | str = 1, per_page: int = 50
) -> TimelinePage:
    """One page of every change in the viewer's scope, newest first, with case details."""
    return _paginate(audit_index(viewer, filters), page, per_page, with_cases=True)


def audit_rows(
    viewer: User, filters: AuditFilters, *, limit: int, chunk: int = 1000
) -> tuple[int, Iterator[TimelineEntry]]:
    """For exports: the row count and an iterator over the entries, hydrated chunk by chunk."""
    index = audit_index(viewer, filters)
    rows = list(index[: limit + 1]) if index is not None else []
    if len(rows) > limit:
        raise TimelineError(
            _("符合条件的记录超过 %(n)d 条，请缩小筛选范围（例如日期或行政区划）后再导出。")
            % {"n": limit}
        )

    def generate() -> Iterator[TimelineEntry]:
        for start in range(0, len(rows), chunk):
            yield from hydrate(rows[start : start + chunk], with_cases=True)

    return len(rows), generate()


# --- "changed since my last review" --------------------------------------------------------


def review_queue(inspector: User) -> QuerySet[ReviewMarker]:
    """The inspector's review markers on cases in scope, with the count of newer changes.

    Changes by the inspector themself do not count. Only markers with changes are returned.
    """
    total = Value(0, output_field=models.IntegerField())
    for source in case_sources():
        counts = (
            source.model.objects.filter(
                **{source.case_attname: OuterRef("case_id")},
                history_date__gt=OuterRef("reviewed_up_to"),
            )
            .exclude(history_user_id=inspector.pk)
            .order_by()
            .values(source.case_attname)
            .annotate(n=Count("history_id"))
            .values("n")
        )
        total = total + Coalesce(Subquery(counts), Value(0))
    return (
        ReviewMarker.objects.filter(inspector=inspector)
        .filter(jurisdiction_filter(inspector, "case__jurisdiction"))
        .annotate(new_events=total)
        .filter(new_events__gt=0)
        .select_related("case", "case__jurisdiction", "case__department")
        .order_by("-new_events", "case__reference")
    )
