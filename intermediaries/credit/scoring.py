"""The scoring rule, in one place: which records count on a day, how many points each brings
under the rule version in force that day, the band of a score, and the list thresholds.

A record counts on day D when it took effect on or before D, has not expired by D
(``expires_on`` > D, or no expiry) and has not been superseded by a correction (a correction
fixes the record for every date, so a superseded record never counts). The rule in force on D
is the highest version whose ``effective_from`` is on or before D.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from intermediaries.credit.models import (
    BANDS,
    CreditRecord,
    Decay,
    EntryBasis,
    ListType,
    RecordKind,
    ScoringRule,
)


def band_problems(bands) -> list[str]:
    """What is wrong with a rule's bands: each of A/B/C/D once, min < max, and together they
    cover every score exactly once (no overlap, no gap), A highest."""
    if not isinstance(bands, list) or not bands:
        return [_("请填写 A/B/C/D 四个等级的分数区间。")]
    problems: list[str] = []
    names = [b.get("band") for b in bands if isinstance(b, dict)]
    if sorted(names) != sorted(BANDS) or len(bands) != len(BANDS):
        return [_("等级必须恰好为 A、B、C、D 各一个。")]
    for b in bands:
        lo, hi = b.get("min"), b.get("max")
        for v in (lo, hi):
            if v is not None and not isinstance(v, int):
                return [_("等级 %(band)s 的分数线必须是整数。") % {"band": b["band"]}]
        if lo is not None and hi is not None and lo >= hi:
            problems.append(
                _("等级 %(band)s 的下限 %(lo)s 不小于上限 %(hi)s。")
                % {"band": b["band"], "lo": lo, "hi": hi}
            )
    if problems:
        return problems
    by_name = {b["band"]: b for b in bands}
    ordered = [by_name[n] for n in reversed(BANDS)]  # D, C, B, A: lowest first
    if ordered[0]["min"] is not None:
        problems.append(_("等级 D 应无下限（低于 C 的所有分数）。"))
    if ordered[-1]["max"] is not None:
        problems.append(_("等级 A 应无上限。"))
    for low, high in zip(ordered, ordered[1:], strict=False):
        lo_max, hi_min = low["max"], high["min"]
        if lo_max is None or hi_min is None:
            problems.append(
                _("等级 %(a)s 与 %(b)s 之间缺少分数线。") % {"a": low["band"], "b": high["band"]}
            )
        elif lo_max > hi_min:
            problems.append(
                _("等级 %(a)s（上限 %(x)s）与等级 %(b)s（下限 %(y)s）的区间重叠。")
                % {"a": low["band"], "x": lo_max, "b": high["band"], "y": hi_min}
            )
        elif lo_max < hi_min:
            problems.append(
                _("等级 %(a)s（上限 %(x)s）与等级 %(b)s（下限 %(y)s）之间有空档。")
                % {"a": low["band"], "x": lo_max, "b": high["band"], "y": hi_min}
            )
    return problems


def band_for(bands: list[dict], score: float) -> str:
    for b in bands:
        if (b["min"] is None or score >= b["min"]) and (b["max"] is None or score < b["max"]):
            return b["band"]
    raise ValueError(f"no band for score {score}")  # band_problems() rules this out


def bands_from_thresholds(a_min: int, b_min: int, c_min: int) -> list[dict]:
    """A/B/C/D bands from three lower limits (the usual way a rule states them)."""
    return [
        {"band": "A", "min": a_min, "max": None},
        {"band": "B", "min": b_min, "max": a_min},
        {"band": "C", "min": c_min, "max": b_min},
        {"band": "D", "min": None, "max": c_min},
    ]


def rule_in_force(day: datetime.date) -> ScoringRule | None:
    return (
        ScoringRule.objects.filter(effective_from__lte=day)
        .order_by("-effective_from", "-version")
        .first()
    )


def counting_q(day: datetime.date, prefix: str = "") -> Q:
    """The records that count on ``day`` (see the module docstring)."""
    p = prefix
    return (
        Q(**{f"{p}effective_date__lte": day})
        & (Q(**{f"{p}expires_on__isnull": True}) | Q(**{f"{p}expires_on__gt": day}))
        & Q(**{f"{p}superseded_by__isnull": True})
    )


@dataclass(frozen=True)
class Contribution:
    """What one record brings to a grade, and why."""

    record_id: int
    kind_code: str
    kind_name: str
    effective_date: datetime.date
    expires_on: datetime.date | None
    doc_no: str
    full_points: int
    points: float

    @property
    def explanation(self) -> str:
        text = _("%(kind)s（%(date)s%(doc)s）：%(points)+g 分") % {
            "kind": self.kind_name,
            "date": self.effective_date.isoformat(),
            "doc": f"，{self.doc_no}" if self.doc_no else "",
            "points": self.points,
        }
        if self.points != self.full_points:
            text += _("（满分 %(full)+d，按剩余有效期递减）") % {"full": self.full_points}
        return text


@dataclass
class Grade:
    """A firm's grade on one day under the rule in force then, with each record's share."""

    firm_id: int
    as_of: datetime.date
    rule: ScoringRule | None
    score: float | None = None
    band: str = ""
    contributions: list[Contribution] = field(default_factory=list)

    @property
    def triggers(self) -> list[tuple[str, str, int | None]]:
        """(list type, entry basis, triggering record id) of every list this grade puts the
        firm on under the rule's thresholds."""
        return list_triggers(self)


def points(
    rule: ScoringRule, kind: RecordKind, effective: datetime.date, expires, day
) -> tuple[int, float]:
    """Full and counted points of one record on ``day``."""
    full = rule.points_for(kind)
    if rule.decay == Decay.LINEAR and expires is not None:
        total = (expires - effective).days
        left = (expires - day).days
        return full, round(full * left / total, 1) if total > 0 else 0.0
    return full, float(full)


def _kinds() -> dict[int, RecordKind]:
    return {k.pk: k for k in RecordKind.objects.all()}


def _grade(firm_id, day, rule, rows, kinds) -> Grade:
    grade = Grade(firm_id=firm_id, as_of=day, rule=rule)
    if rule is None:
        return grade
    total = float(rule.base_score)
    for rec_id, kind_id, effective, expires, doc_no in rows:
        kind = kinds[kind_id]
        full, counted = points(rule, kind, effective, expires, day)
        total += counted
        grade.contributions.append(
            Contribution(rec_id, kind.code, kind.name, effective, expires, doc_no, full, counted)
        )
    grade.score = round(total, 1)
    grade.band = band_for(rule.bands, grade.score)
    return grade


ROW_FIELDS = ("id", "kind_id", "effective_date", "expires_on", "doc_no")


def firm_grade(firm_id: int, day: datetime.date) -> Grade:
    """One firm's grade as of ``day``, explained record by record."""
    rule = rule_in_force(day)
    rows = (
        CreditRecord.objects.filter(counting_q(day), firm_id=firm_id)
        .order_by("effective_date", "id")
        .values_list(*ROW_FIELDS)
        if rule
        else []
    )
    return _grade(firm_id, day, rule, list(rows), _kinds())


def grades_as_of(day: datetime.date, firm_ids=None) -> dict[int, Grade]:
    """Every firm's grade as of ``day`` (or those of ``firm_ids``) in one pass over the records;
    a firm with no record counting has the base score."""
    from intermediaries.models import IntermediaryFirm

    rule = rule_in_force(day)
    ids = list(firm_ids) if firm_ids is not None else None
    if ids is None:
        ids = list(IntermediaryFirm.objects.values_list("pk", flat=True))
    by_firm: dict[int, list] = defaultdict(list)
    if rule is not None and ids:
        qs = CreditRecord.objects.filter(counting_q(day))
        if firm_ids is not None:
            qs = qs.filter(firm_id__in=ids)
        for firm_id, *row in qs.order_by("firm_id", "effective_date", "id").values_list(
            "firm_id", *ROW_FIELDS
        ):
            by_firm[firm_id].append(row)
    kinds = _kinds()
    return {f: _grade(f, day, rule, by_firm.get(f, []), kinds) for f in ids}


def list_triggers(grade: Grade) -> list[tuple[str, str, int | None]]:
    """The lists a grade puts its firm on: a score under a threshold, or a counting record of
    a kind the rule names. The black list is checked first; one trigger per list."""
    rule = grade.rule
    if rule is None or grade.score is None:
        return []
    found: dict[str, tuple[str, str, int | None]] = {}
    for list_type, below, kinds in (
        (ListType.BLACK, rule.black_below, rule.black_kinds or []),
        (ListType.ABNORMAL, rule.abnormal_below, rule.abnormal_kinds or []),
    ):
        record = next((c for c in grade.contributions if c.kind_code in kinds), None)
        if record is not None:
            found[list_type] = (list_type, EntryBasis.RULE_KIND, record.record_id)
        elif below is not None and grade.score < below:
            found[list_type] = (list_type, EntryBasis.RULE_SCORE, None)
    return list(found.values())
