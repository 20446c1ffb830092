"""Points of a timeline and versions: a whole case as it stood at one moment."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.audit import asof
from tracker.audit.timeline.entries import display
from tracker.audit.timeline.hydration import _m2m_snapshots, _names, _names_of, _object_label
from tracker.audit.timeline.source_specs import Source, TimelineError, sources
from tracker.cases.registry import get_kind
from tracker.models import Case, Evidence, Milestone, Note

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
