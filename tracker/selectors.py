"""Read selectors: every page reads through these, already scoped to the user."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.models import Case, Evidence, Milestone, Note, User
from tracker.registry import get_kind, kinds
from tracker.scoping import user_role
from tracker.workflow import OPEN_STATUSES, Status, edges_from


def case_list(user: User) -> models.QuerySet[Case]:
    """All cases in the user's scope, with what the list table shows joined in."""
    return Case.objects.for_user(user).select_related("jurisdiction", "department", "owner")


def case_detail(user: User, reference: str) -> Case:
    """One case in scope with its subject joined in (404 outside scope)."""
    from tracker.scoping import get_case_for_user

    base = Case.objects.select_related("jurisdiction", "department", "owner")
    case = get_case_for_user(user, reference, base)
    kind = case.kind_spec
    # Re-read with the subject (one query) now that the kind is known.
    return base.select_related(kind.subject_related_name).get(pk=case.pk)


def case_milestones(case: Case) -> list[Milestone]:
    return list(case.milestones.select_related("recorded_by", "evidence").order_by("order"))


def case_evidence(case: Case) -> list[Evidence]:
    return list(case.evidence.select_related("uploaded_by", "milestone", "superseded_by"))


def case_notes(case: Case) -> list[Note]:
    return list(case.notes.select_related("author"))


def allowed_actions(case: Case, user: User) -> list:
    """Workflow edges this user may try from the case's current status."""
    role = user_role(user)
    return [edge for edge in edges_from(case.status) if role in edge.roles]


@dataclass
class SubjectField:
    label: str
    value: Any


def display_value(instance: models.Model, field_name: str) -> Any:
    """A human display value for one model field: choice labels, names, 是/否, lists."""
    f = instance._meta.get_field(field_name)
    if f.many_to_many:
        return "、".join(str(o) for o in getattr(instance, field_name).all())
    value = getattr(instance, field_name)
    if f.choices:
        return getattr(instance, f"get_{field_name}_display")()
    if isinstance(f, models.BooleanField):
        return _("是") if value else _("否")
    if value is None or value == "":
        return ""
    return value


def subject_fields(case: Case) -> list[SubjectField]:
    subject = case.subject
    if subject is None:
        return []
    return [
        SubjectField(str(subject._meta.get_field(n).verbose_name), display_value(subject, n))
        for n in case.kind_spec.subject_detail_fields
    ]


def dashboard(user: User, today: datetime.date | None = None) -> dict[str, Any]:
    """Counts per kind × status, overdue, due soon and my cases, all in the user's scope."""
    today = today or timezone.localdate()
    scoped = Case.objects.for_user(user)
    counts: dict[tuple[str, str], int] = {
        (row["kind"], row["status"]): row["n"]
        for row in scoped.values("kind", "status").annotate(n=Count("id")).order_by()
    }
    overdue_by_kind = {
        row["kind"]: row["n"]
        for row in scoped.overdue(today).values("kind").annotate(n=Count("id")).order_by()
    }
    rows = []
    for kind in kinds():
        cells = [counts.get((kind.key, s.value), 0) for s in Status]
        rows.append(
            {
                "kind": kind,
                "cells": cells,
                "total": sum(cells),
                "overdue": overdue_by_kind.get(kind.key, 0),
            }
        )
    totals = [sum(r["cells"][i] for r in rows) for i in range(len(Status))]
    related = ("jurisdiction", "department", "owner")
    due_soon = (
        scoped.filter(
            status__in=OPEN_STATUSES,
            deadline__gte=today,
            deadline__lte=today + datetime.timedelta(days=30),
        )
        .select_related(*related)
        .order_by("deadline", "id")[:15]
    )
    overdue_list = scoped.overdue(today).select_related(*related).order_by("deadline", "id")[:15]
    mine = (
        scoped.filter(owner=user, status__in=OPEN_STATUSES)
        .select_related(*related)
        .order_by("deadline", "id")[:15]
    )
    return {
        "statuses": list(Status),
        "rows": rows,
        "totals": totals,
        "grand_total": sum(totals),
        "overdue_total": sum(overdue_by_kind.values()),
        "due_soon": list(due_soon),
        "overdue_list": list(overdue_list),
        "mine": list(mine),
        "today": today,
    }


@dataclass
class Change:
    field: str
    old: Any
    new: Any


@dataclass
class HistoryEntry:
    """One row of a case's history list, whichever model it came from."""

    when: datetime.datetime
    user: Any
    reason: str
    action: str  # create / update / transition / milestone / evidence / note
    object_label: str
    history_type: str
    effective_date: datetime.date | None = None
    changes: list[Change] = field(default_factory=list)
    history_id: int = 0
    model: str = ""


SKIP_FIELDS = {"id", "version", "updated_at", "created_at", "case", "recorded_at", "path"}


def _tracked_fields(history_model) -> list:
    return [
        f
        for f in history_model.instance_type._meta.concrete_fields
        if f.name not in SKIP_FIELDS and not f.name.startswith("history_")
    ]


def _value_display(f, value, names: dict) -> Any:
    if value is None or value == "":
        return ""
    if f.choices:
        return dict(f.flatchoices).get(value, value)
    if isinstance(f, models.BooleanField):
        return _("是") if value else _("否")
    if f.is_relation:
        return names.get((f.related_model, value), f"#{value}")
    return value


def _diff(f_list, prev, rec, names) -> list[Change]:
    changes = []
    for f in f_list:
        new = getattr(rec, f.attname)
        old = getattr(prev, f.attname) if prev is not None else None
        if prev is None and (new is None or new == "" or new is False):
            continue
        if prev is None or old != new:
            changes.append(
                Change(
                    str(f.verbose_name),
                    _value_display(f, old, names) if prev is not None else "",
                    _value_display(f, new, names),
                )
            )
    return changes


def _history_sources(case: Case) -> list[tuple[str, Any]]:
    kind = get_kind(case.kind)
    subject_history = kind.subject_model.history.model
    return [
        ("case", Case.history.filter(id=case.pk)),
        ("subject", subject_history.objects.filter(case_id=case.pk)),
        ("milestone", Milestone.history.filter(case_id=case.pk)),
        ("evidence", Evidence.history.filter(case_id=case.pk)),
        ("note", Note.history.filter(case_id=case.pk)),
    ]


def _resolve_names(records_by_source) -> dict:
    """Names for every foreign key value seen, one query per related model."""
    wanted: dict[type, set] = {}
    for _source, f_list, records in records_by_source:
        for f in f_list:
            if f.is_relation:
                for rec in records:
                    value = getattr(rec, f.attname)
                    if value is not None:
                        wanted.setdefault(f.related_model, set()).add(value)
    names = {}
    for model, ids in wanted.items():
        for obj in model._default_manager.filter(pk__in=ids):
            names[(model, obj.pk)] = str(obj)
    return names


def case_history(case: Case) -> list[HistoryEntry]:
    """The case's history merged across its case row, subject, milestones, evidence and notes."""
    records_by_source = []
    for source, qs in _history_sources(case):
        records = list(qs.select_related("history_user").order_by("history_date", "history_id"))
        records_by_source.append((source, _tracked_fields(qs.model), records))
    names = _resolve_names(records_by_source)
    entries: list[HistoryEntry] = []
    for source, f_list, records in records_by_source:
        previous: dict[int, Any] = {}
        for rec in records:
            prev = previous.get(rec.id)
            previous[rec.id] = rec
            changes = _diff(f_list, prev, rec, names)
            action = _action_for(source, rec, prev)
            entries.append(
                HistoryEntry(
                    when=rec.history_date,
                    user=rec.history_user,
                    reason=rec.history_change_reason or "",
                    action=action,
                    object_label=_object_label(source, rec),
                    history_type=rec.history_type,
                    effective_date=getattr(rec, "effective_date", None)
                    or getattr(rec, "decision_date", None)
                    if action in ("transition", "milestone", "evidence")
                    else None,
                    changes=changes,
                    history_id=rec.history_id,
                    model=source,
                )
            )
    entries.sort(key=lambda e: (e.when, e.history_id), reverse=True)
    return entries


ACTION_LABELS = {
    "create": _("新建"),
    "update": _("修改"),
    "transition": _("状态变更"),
    "withdraw": _("撤回"),
    "milestone": _("进度节点"),
    "evidence": _("佐证材料"),
    "note": _("备注"),
}


def _action_for(source: str, rec, prev) -> str:
    if source == "case":
        if prev is None:
            return "create"
        if prev.status != rec.status:
            return "withdraw" if rec.status == Status.WITHDRAWN else "transition"
        return "update"
    if source == "subject":
        return "create" if prev is None else "update"
    if source == "milestone":
        return "create" if prev is None else "milestone"
    return source


def _object_label(source: str, rec) -> str:
    if source == "case":
        return str(_("事项"))
    if source == "subject":
        return str(_("登记信息"))
    if source == "milestone":
        return f"{_('节点')}：{rec.name}"
    if source == "evidence":
        return f"{_('材料')}：{rec.title}"
    return str(_("备注"))


def kind_counts(user: User) -> dict[str, int]:
    return {
        row["kind"]: row["n"]
        for row in Case.objects.for_user(user).values("kind").annotate(n=Count("id")).order_by()
    }


def search_q(text: str) -> Q:
    text = text.strip()
    return Q(reference__icontains=text) | Q(title__icontains=text)
