"""Tallies of grouped case states: per stream, per jurisdiction row, per department."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from tracker.cases.registry import CaseKind, kinds
from tracker.cases.workflow import Status
from tracker.models import Department
from tracker.reports.figures.grouped import Group, Scope
from tracker.reports.figures.periods import DONE_STATUSES, OPEN_VALUES, REVIEWED_STATUSES, Period
from tracker.reports.figures.sql import _money

# --- tallies -------------------------------------------------------------------------------


@dataclass
class Tally:
    """Target, new this month, done this month, cumulative done, overdue, withdrawn."""

    target: int = 0
    new: int = 0
    this_month: int = 0
    cumulative: int = 0
    overdue: int = 0
    withdrawn: int = 0

    def add(self, g: Group) -> None:
        if g.withdrawn:
            self.withdrawn += g.n
            return
        self.target += g.n
        if not g.existed_prev:
            self.new += g.n
        if g.done:
            self.cumulative += g.n
            if not g.done_prev:
                self.this_month += g.n
        if g.overdue:
            self.overdue += g.n

    def add_current(self, status: str, n: int, late: int) -> None:
        """``add`` for cases counted as they stand now (nothing new or done "this month"):
        ``n`` cases in ``status``, ``late`` of them past their deadline."""
        if status == Status.WITHDRAWN:
            self.withdrawn += n
            return
        self.target += n
        if status in DONE_STATUSES:
            self.cumulative += n
        if status in OPEN_VALUES:
            self.overdue += late

    def merge(self, other: Tally) -> None:
        for name in ("target", "new", "this_month", "cumulative", "overdue", "withdrawn"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        return {
            "target": self.target,
            "new": self.new,
            "this_month": self.this_month,
            "cumulative": self.cumulative,
            "pct": pct(self.cumulative, self.target),
            "overdue": self.overdue,
            "withdrawn": self.withdrawn,
        }


def pct(part: int, whole: int) -> float | None:
    if not whole:
        return None
    return round(100.0 * part / whole, 1)


def pct_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _streams() -> list[CaseKind]:
    return [k for k in kinds()]


def _stream_key(kind: CaseKind) -> str:
    return kind.stream or kind.key


def _choice_label(kind: CaseKind, field_name: str, value: str) -> str:
    try:
        f = kind.subject_model._meta.get_field(field_name)
    except FieldDoesNotExist:
        return value
    return str(dict(f.flatchoices).get(value, value or _("未填")))


@dataclass
class StreamLines:
    """What a kind's ``report_details`` function reads to write its stream's detail lines."""

    kind: CaseKind
    groups: list[Group]
    tally: Tally
    reviewed_statuses: tuple[str, ...] = REVIEWED_STATUSES

    @property
    def live(self) -> list[Group]:
        return [g for g in self.groups if not g.withdrawn]

    @property
    def done(self) -> list[Group]:
        return [g for g in self.live if g.done]

    @staticmethod
    def count(groups: Iterable[Group]) -> int:
        return sum(g.n for g in groups)

    @staticmethod
    def line(label, value, unit="") -> dict:
        return {"label": str(label), "value": value, "unit": str(unit)}

    @staticmethod
    def money(value) -> str:
        return _money(value)

    def choice_label(self, field_name: str, value: str) -> str:
        return _choice_label(self.kind, field_name, value)

    def done_by_disposition(self, unit: str) -> list[dict]:
        """One "已完成：<disposition>" line per disposition of the kind."""
        return [
            self.line(
                _("已完成：%(d)s") % {"d": label},
                self.count(g for g in self.done if g.disposition == value),
                unit,
            )
            for value, label in self.kind.dispositions
        ]


def _stream_details(kind: CaseKind, groups: list[Group], tally: Tally) -> list[dict]:
    """The per-stream lines of DOMAIN.md §4, written by the kind (counts; amounts as strings)."""
    lines = StreamLines(kind, groups, tally)
    if kind.report_details is not None:
        return list(kind.report_details(lines))
    return [
        lines.line(_("目标数"), tally.target),
        lines.line(_("本月新增"), tally.new),
        *lines.done_by_disposition(""),
    ]


def _stream_block(kind: CaseKind, groups: list[Group]) -> dict:
    tally = Tally()
    for g in groups:
        tally.add(g)
    live = [g for g in groups if not g.withdrawn]
    dispositions = []
    for value, label in kind.dispositions:
        dispositions.append(
            {
                "value": value,
                "label": str(label),
                "count": sum(g.n for g in live if g.disposition == value),
            }
        )
    return {
        "key": _stream_key(kind),
        "kind": kind.key,
        "label": str(kind.label),
        "personal": kind.personal,
        **tally.as_dict(),
        "dispositions": dispositions,
        "details": _stream_details(kind, groups, tally),
    }


def _jurisdiction_rows(scope: Scope, groups: list[Group], period: Period | None) -> dict:
    stream_keys = [_stream_key(k) for k in _streams()]
    kind_stream = {k.key: _stream_key(k) for k in _streams()}
    tallies = [Tally() for _row in scope.rows]
    per_stream = [{s: Tally() for s in stream_keys} for _row in scope.rows]
    for g in groups:
        index = scope.row_of.get(g.juris_id)
        if index is None:
            continue
        tallies[index].add(g)
        stream = kind_stream.get(g.kind)
        if stream in per_stream[index]:
            per_stream[index][stream].add(g)
    return _tally_rows(scope, tallies, per_stream, period)


def _current_jurisdiction_rows(scope: Scope, by_place: list[tuple]) -> dict:
    """``_jurisdiction_rows`` for the current state (nothing new or done "this month"),
    straight from (jurisdiction, kind, status, cases, past deadline) counts with
    ``Tally.add_current``: the same tallies as ``Tally.add`` over one Group per count,
    without building the Groups."""
    stream_keys = [_stream_key(k) for k in _streams()]
    kind_stream = {k.key: _stream_key(k) for k in _streams()}
    tallies = [Tally() for _row in scope.rows]
    per_stream = [{s: Tally() for s in stream_keys} for _row in scope.rows]
    for place, kind, status, n, late in by_place:
        index = scope.row_of.get(place)
        if index is None:
            continue
        tallies[index].add_current(status, n, late)
        stream = per_stream[index].get(kind_stream.get(kind))
        if stream is not None:
            stream.add_current(status, n, late)
    return _tally_rows(scope, tallies, per_stream, None)


def _tally_rows(
    scope: Scope, tallies: list[Tally], per_stream: list[dict], period: Period | None
) -> dict:
    stream_keys = [_stream_key(k) for k in _streams()]
    rows = []
    total, total_streams = Tally(), {s: Tally() for s in stream_keys}
    for index, head in enumerate(scope.rows):
        t = tallies[index]
        if (
            period is not None
            and not _row_in_period(head, period)
            and not (t.target or t.withdrawn)
        ):
            continue
        total.merge(t)
        for s in stream_keys:
            total_streams[s].merge(per_stream[index][s])
        rows.append(
            {
                "code": head["code"],
                "name": head["name"],
                "label": head["label"],
                "self": head["self"],
                **t.as_dict(),
                "streams": {s: per_stream[index][s].as_dict() for s in stream_keys},
            }
        )
    return {
        "rows": rows,
        "total": {
            **total.as_dict(),
            "streams": {s: total_streams[s].as_dict() for s in stream_keys},
        },
    }


def _row_in_period(head: dict, period: Period) -> bool:
    if head["valid_from"] and head["valid_from"] > period.end:
        return False
    return not (head["valid_to"] and head["valid_to"] < period.start)


def _department_rows(groups: list[Group]) -> dict:
    tallies: dict[int | None, Tally] = defaultdict(Tally)
    for g in groups:
        tallies[g.dept_id].add(g)
    ids = [pk for pk in tallies if pk is not None]
    depts = {
        d["id"]: d
        for d in Department.objects.filter(pk__in=ids).values(
            "id", "name", "jurisdiction__code", "jurisdiction__name"
        )
    }
    ordered = sorted(
        ids,
        key=lambda pk: (
            depts.get(pk, {}).get("jurisdiction__code", ""),
            depts.get(pk, {}).get("name", ""),
        ),
    )
    rows, total = [], Tally()
    for pk in ordered + ([None] if None in tallies else []):
        t = tallies[pk]
        total.merge(t)
        d = depts.get(pk, {})
        rows.append(
            {
                "name": d.get("name", "") if pk is not None else str(_("未指定责任部门")),
                "jurisdiction": d.get("jurisdiction__name", ""),
                **t.as_dict(),
            }
        )
    return {"rows": rows, "total": total.as_dict()}
