"""Red-flag rules as declarations: one condition tree per rule, two readings of it.

A rule is written once, as a tree of field conditions on ``Case`` (``Is``, ``All``, ``AnyOf``,
``Not``, ``Some``). The same tree is compiled to a ``Q`` (``rule.q(today)``: list filters and
the maintained rows) and evaluated in Python on one case (``rule.holds(case, today)``: the case
page's explanation), so the two cannot drift. ``tests/test_redflag_rules.py`` checks on random
cases that both readings agree.

Paths follow Django's lookups (``intermediary_item__provider_firm__supervising_agency_id``). An
``Is`` path may only cross single-valued relations (forward foreign keys and one-to-ones either
way), which keeps its SQL and Python meanings the same (a missing object reads as NULL); a
many-valued relation is crossed by ``Some`` ("some related row satisfies …"), an ``Exists``.
``Outer(path)`` is a value of the row one ``Some`` further out; ``TODAY`` the day evaluated for.

A rule whose test is a match between cases (a cancelled fee back under a similar name) is a
``MatchRule``: one ``matches()`` function gives both the cases flagged and their explanations.

This module holds the rules themselves (``Rule``, ``MatchRule``, ``RedFlag``); the condition
nodes live in ``tracker.redflags.conditions`` and the path helpers in ``tracker.redflags.paths``,
and every one of their names is re-exported here: declare rules from ``tracker.redflags.declare``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q

from tracker.redflags.conditions import (
    _COMPARE,
    TODAY,
    All,
    AnyOf,
    Here,
    Is,
    Node,
    Not,
    Outer,
    Some,
    _Ctx,
    _Many,
    _sql_value,
    _Today,
    _value,
)
from tracker.redflags.paths import _check_single_valued, _join, _models_on, _walk

FOREVER = datetime.date.max  # "holds whatever the day": the rule evaluated for the last day


def chunks(ids: Iterable[int], size: int = 2000) -> list[list[int]]:
    """Sorted ids in slices short enough for one IN (…) on every database."""
    ordered = sorted(ids)
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def _case_model() -> type[models.Model]:
    from tracker.cases.models import Case

    return Case


@dataclass(frozen=True)
class RedFlag:
    """One red flag raised on one case: which rule and, in Chinese, why."""

    code: str
    label: str
    message: str


class Rule:
    """One red-flag rule: a code, a label, a condition tree and the sentence explaining a hit.

    ``message(case, found)`` words the explanation from the case and the rows the named
    ``Some`` nodes found; it never decides whether the rule holds. ``withdrawn``: the rule also
    looks at withdrawn cases (facts about people and firms stay facts when a case is withdrawn).
    """

    matching = False

    def __init__(
        self,
        code: str,
        label: Any,
        when: Node,
        message: Callable[[Any, dict[str, list[Any]]], str],
        *,
        withdrawn: bool = False,
    ) -> None:
        self.code, self.label, self.when, self.message = code, label, when, message
        self.withdrawn = withdrawn
        when.bind(_case_model())
        self.dated = [s for s in when.named() if s.until]

    def q(self, today: datetime.date) -> Q:
        return self.when.q(today)

    def holds(self, case: Any, today: datetime.date) -> bool:
        return self.when.test([case], _Ctx(today))

    def explain(self, case: Any, today: datetime.date) -> list[RedFlag]:
        ctx = _Ctx(today)
        if not self.when.test([case], ctx):
            return []
        return [RedFlag(self.code, str(self.label), str(self.message(case, ctx.found)))]

    def reach(self) -> list[tuple[type, str]]:
        """(model, lookup from Case) for every model whose rows can change the rule's answer."""
        return [(_case_model(), ""), *self.when.reach(_case_model(), "")]


class MatchRule:
    """A rule decided by matching cases against each other (not a per-case condition).

    Subclasses give ``matches(queryset)`` → {case id: [(other case row, detail), …]} for the
    cases of ``queryset`` (one function, used both for the rows and for the explanation),
    ``message(case, matches)`` and ``places(changed)``: the jurisdictions whose matches must be
    recomputed when rows of the given models changed.
    """

    matching = True
    dated: list[Some] = []
    withdrawn = False
    code = ""
    label: Any = ""

    def matches(self, queryset: models.QuerySet) -> dict[int, list[Any]]:
        raise NotImplementedError

    def message(self, case: Any, found: list[Any]) -> str:
        raise NotImplementedError

    def places(self, changed: dict[type, set[int]], history: Callable) -> set[int]:
        raise NotImplementedError

    def scope(self, places: Iterable[int]) -> models.QuerySet:
        """The cases whose matches are recomputed for these places."""
        return _case_model().objects.filter(jurisdiction_id__in=list(places))

    def explain(self, case: Any, today: datetime.date) -> list[RedFlag]:
        found = self.matches(_case_model().objects.filter(pk=case.pk)).get(case.pk)
        if not found:
            return []
        return [RedFlag(self.code, str(self.label), str(self.message(case, found)))]


__all__ = [
    "FOREVER",
    "TODAY",
    "_COMPARE",
    "All",
    "AnyOf",
    "Here",
    "Is",
    "MatchRule",
    "Node",
    "Not",
    "Outer",
    "RedFlag",
    "Rule",
    "Some",
    "_Ctx",
    "_Many",
    "_Today",
    "_case_model",
    "_check_single_valued",
    "_join",
    "_models_on",
    "_sql_value",
    "_value",
    "_walk",
    "chunks",
]
