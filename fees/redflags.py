"""Red-flag rules of the fee kind, listed in ``fees/kinds.py``'s ``red_flag_rules``.

fee_reintroduced — a fee item, not itself cancelled, whose name closely resembles a fee
cancelled (取消) in the same jurisdiction and registered no later than it (``difflib`` ratio of
the normalised names ≥ ``FEE_SIMILARITY_THRESHOLD``). One function (``matches``) decides both
which cases are flagged and what their explanation names.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fees.models import FeeDisposition, FeeItem
from tracker.cases.workflow import Status
from tracker.models import Case
from tracker.redflags.declare import MatchRule, chunks

FEE_SIMILARITY_THRESHOLD = 0.75

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_name(name: str) -> str:
    """Drop spaces and punctuation (full-width too) and fold case before comparing names."""
    return _NOT_WORD.sub("", name or "").lower()


def name_similarity(a: str, b: str) -> float:
    """How alike two fee names are, 0..1 (difflib ratio of the normalised names)."""
    a, b = normalise_name(a), normalise_name(b)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


@dataclass(frozen=True)
class FeeRow:
    case_id: int
    reference: str
    jurisdiction_id: int
    registered_on: datetime.date
    name: str


def _fee_rows(queryset: models.QuerySet[Case]) -> list[FeeRow]:
    return [
        FeeRow(*row)
        for row in queryset.values_list(
            "pk", "reference", "jurisdiction_id", "registered_on", "fee_item__name"
        )
        if row[4] is not None
    ]


def _cancelled_by_place(places: set[int]) -> dict[int, list[FeeRow]]:
    cancelled = (
        Case.objects.filter(
            kind="fee", disposition=FeeDisposition.FEE_CANCEL, jurisdiction_id__in=places
        )
        .exclude(status=Status.WITHDRAWN)
        .order_by("registered_on", "id")
    )
    by_place: dict[int, list[FeeRow]] = defaultdict(list)
    for row in _fee_rows(cancelled):
        by_place[row.jurisdiction_id].append(row)
    return by_place


def _matches(
    candidates: list[FeeRow], cancelled: dict[int, list[FeeRow]]
) -> dict[int, list[tuple[FeeRow, float]]]:
    """For each candidate fee, the cancelled fees of its jurisdiction its name resembles.

    Same score as ``name_similarity``; cheap upper bounds (length, then difflib's quick
    ratios) skip most pairs before the full ratio is computed.
    """
    threshold = FEE_SIMILARITY_THRESHOLD
    matchers: dict[int, list[tuple[FeeRow, str, SequenceMatcher]]] = {}
    for place, olds in cancelled.items():
        for old in olds:
            norm = normalise_name(old.name)
            if norm:
                matcher = SequenceMatcher(None, autojunk=False)
                matcher.set_seq2(norm)
                matchers.setdefault(place, []).append((old, norm, matcher))
    found: dict[int, list[tuple[FeeRow, float]]] = {}
    for fee in candidates:
        name = normalise_name(fee.name)
        if not name:
            continue
        for old, old_name, matcher in matchers.get(fee.jurisdiction_id, ()):
            if old.case_id == fee.case_id or fee.registered_on < old.registered_on:
                continue
            if 2 * min(len(name), len(old_name)) < threshold * (len(name) + len(old_name)):
                continue
            if name == old_name:
                score = 1.0
            else:
                matcher.set_seq1(name)
                if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
                    continue
                score = matcher.ratio()
            if score >= threshold:
                found.setdefault(fee.case_id, []).append((old, score))
    return found


class FeeReintroduced(MatchRule):
    code = "fee_reintroduced"
    label = gettext_lazy("疑似变换名称恢复已取消收费")

    def matches(self, queryset: models.QuerySet[Case]) -> dict[int, list[Any]]:
        """Fee cases of ``queryset`` (not cancelled themselves) and the cancelled fees they
        resemble."""
        candidates = _fee_rows(queryset.exclude(disposition=FeeDisposition.FEE_CANCEL))
        if not candidates:
            return {}
        cancelled = _cancelled_by_place({c.jurisdiction_id for c in candidates})
        return _matches(candidates, cancelled)

    def message(self, case: Case, found: list[Any]) -> str:
        return "".join(
            _(
                "收费项目“%(name)s”与本地区已取消的收费“%(old)s”（%(ref)s）名称相似度 %(pct)d%%，"
                "疑似变换名称恢复收费。"
            )
            % {
                "name": case.fee_item.name,
                "old": old.name,
                "ref": old.reference,
                "pct": round(score * 100),
            }
            for old, score in found
        )

    def places(self, changed: dict[type, set[int]]) -> set[int]:
        """Every jurisdiction a changed fee case has been in (a cancelled fee that moved)."""
        fee_cases: set[int] = set()
        for chunk in chunks(changed.get(Case, ())):
            fee_cases |= set(
                Case.objects.filter(pk__in=chunk, kind="fee").values_list("pk", flat=True)
            )
        for chunk in chunks(changed.get(FeeItem, ())):
            fee_cases |= set(FeeItem.objects.filter(pk__in=chunk).values_list("case_id", flat=True))
        places: set[int] = set()
        for chunk in chunks(fee_cases):
            places |= set(
                Case.history.filter(id__in=chunk)
                .order_by()
                .values_list("jurisdiction_id", flat=True)
                .distinct()
            )
        return places


FEE_REINTRODUCED = FeeReintroduced()
FEE_RULES = (FEE_REINTRODUCED,)
