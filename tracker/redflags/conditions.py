"""The condition tree of a red-flag rule: ``Is``, ``All``, ``AnyOf``, ``Not`` and ``Some``
nodes, each with its two readings (``q(today)``, a ``Q``; ``test(stack, ctx)``, Python on one
case), and the values they compare with (``TODAY``, ``Outer``, ``Here``)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery

from tracker.redflags.paths import _check_single_valued, _join, _models_on, _walk


class _Today:
    def __repr__(self) -> str:
        return "TODAY"


TODAY = _Today()


@dataclass(frozen=True)
class Outer:
    """The value of ``path`` on the row ``depth`` levels of ``Some`` further out (0: this row,
    a comparison between two columns)."""

    path: str
    depth: int = 1


def Here(path: str) -> Outer:
    return Outer(path, 0)


class _Ctx:
    """One Python evaluation: the day, and the rows each named ``Some`` found."""

    def __init__(self, today: datetime.date) -> None:
        self.today = today
        self.found: dict[str, list[Any]] = {}


def _value(v: Any, stack: list[Any], ctx: _Ctx) -> Any:
    if v is TODAY:
        return ctx.today
    if isinstance(v, Outer):
        return _walk(stack[-1 - v.depth], v.path)
    return v


def _sql_value(v: Any, today: datetime.date) -> Any:
    if v is TODAY:
        return today
    if isinstance(v, Outer):
        if v.depth == 0:
            return F(v.path)
        ref: Any = v.path
        for _level in range(v.depth):
            ref = OuterRef(ref)
        return ref
    return v


class Node:
    """One condition of a rule's tree."""

    def bind(self, model: type[models.Model]) -> None:
        """Check the paths against ``model`` (the row the condition reads) at declaration."""

    def q(self, today: datetime.date) -> Q:
        raise NotImplementedError

    def test(self, stack: list[Any], ctx: _Ctx) -> bool:
        raise NotImplementedError

    def reach(self, model: type[models.Model], prefix: str) -> list[tuple[type, str]]:
        """(model, lookup from Case) for every model this condition reads."""
        return []

    def named(self) -> list[Some]:
        return []

    def __and__(self, other: Node) -> All:
        return All(self, other)

    def __or__(self, other: Node) -> AnyOf:
        return AnyOf(self, other)

    def __invert__(self) -> Not:
        return Not(self)


_COMPARE = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


@dataclass
class Is(Node):
    """``path`` ``lookup`` ``value``: exact (the default), in, isnull, gt/gte/lt/lte, regex."""

    path: str
    lookup: str = "exact"
    value: Any = True

    def __post_init__(self) -> None:
        if self.lookup not in ("exact", "in", "isnull", "regex", *_COMPARE):
            raise ValueError(f"unknown lookup {self.lookup!r}")

    def bind(self, model: type[models.Model]) -> None:
        _check_single_valued(model, self.path)

    def q(self, today: datetime.date) -> Q:
        if self.lookup == "in":
            values = [_sql_value(v, today) for v in self.value]
            consts = [v for v in values if not isinstance(v, OuterRef | F)]
            q = Q(**{f"{self.path}__in": consts}) if consts else Q(pk__in=[])
            for v in values:
                if isinstance(v, OuterRef | F):
                    q |= Q(**{self.path: v})
            return q
        value = _sql_value(self.value, today)
        if self.lookup == "exact" and value is None:
            return Q(**{f"{self.path}__isnull": True})
        if self.lookup == "exact":
            return Q(**{self.path: value})
        return Q(**{f"{self.path}__{self.lookup}": value})

    def test(self, stack: list[Any], ctx: _Ctx) -> bool:
        have = _walk(stack[-1], self.path)
        if self.lookup == "isnull":
            return (have is None) == bool(self.value)
        if self.lookup == "in":
            return any(self._equal(have, v, stack, ctx) for v in self.value)
        if self.lookup == "exact":
            return self._equal(have, self.value, stack, ctx)
        want = _value(self.value, stack, ctx)
        if have is None or want is None:
            return False
        if self.lookup == "regex":
            return re.search(want, str(have)) is not None
        return _COMPARE[self.lookup](have, want)

    @staticmethod
    def _equal(have: Any, want: Any, stack: list[Any], ctx: _Ctx) -> bool:
        resolved = _value(want, stack, ctx)
        if isinstance(want, Outer):  # column = column: NULL on either side is not equal
            return have is not None and resolved is not None and have == resolved
        if resolved is None:
            return have is None
        return have is not None and have == resolved

    def reach(self, model: type[models.Model], prefix: str) -> list[tuple[type, str]]:
        return [(m, _join(prefix, p)) for m, p in _models_on(model, self.path)]


@dataclass
class _Many(Node):
    parts: tuple[Node, ...]

    def bind(self, model: type[models.Model]) -> None:
        for p in self.parts:
            p.bind(model)

    def reach(self, model: type[models.Model], prefix: str) -> list[tuple[type, str]]:
        return [r for p in self.parts for r in p.reach(model, prefix)]

    def named(self) -> list[Some]:
        return [s for p in self.parts for s in p.named()]


class All(_Many):
    """Every part holds."""

    def __init__(self, *parts: Node) -> None:
        super().__init__(parts)

    def q(self, today: datetime.date) -> Q:
        q = Q()
        for p in self.parts:
            q &= p.q(today)
        return q

    def test(self, stack: list[Any], ctx: _Ctx) -> bool:
        # Every part is evaluated (no short cut), so each named Some records what it found.
        results = [p.test(stack, ctx) for p in self.parts]
        return all(results)


class AnyOf(_Many):
    """At least one part holds."""

    def __init__(self, *parts: Node) -> None:
        super().__init__(parts)

    def q(self, today: datetime.date) -> Q:
        q = Q(pk__in=[])
        for p in self.parts:
            q |= p.q(today)
        return q

    def test(self, stack: list[Any], ctx: _Ctx) -> bool:
        results = [p.test(stack, ctx) for p in self.parts]
        return any(results)


@dataclass
class Not(Node):
    part: Node

    def bind(self, model: type[models.Model]) -> None:
        self.part.bind(model)

    def q(self, today: datetime.date) -> Q:
        return ~self.part.q(today)

    def test(self, stack: list[Any], ctx: _Ctx) -> bool:
        return not self.part.test(stack, _Ctx(ctx.today))  # what a negation found is not a fact

    def reach(self, model: type[models.Model], prefix: str) -> list[tuple[type, str]]:
        return self.part.reach(model, prefix)


class Some(Node):
    """Some row reached through ``path`` (its last step many-valued or not) satisfies ``parts``.

    ``name`` keeps the rows found for the explanation; ``until`` names a date field of those
    rows: the rule holds while today is before the latest of them (rules about dates ahead).
    """

    def __init__(self, path: str, *parts: Node, name: str = "", until: str = "") -> None:
        self.path, self.cond, self.name, self.until = path, All(*parts), name, until
        self.prefix, _sep, self.relation = path.rpartition("__")
        self.model: type[models.Model] | None = None

    def bind(self, model: type[models.Model]) -> None:
        if self.prefix:
            _check_single_valued(model, self.prefix)
            owner = _models_on(model, self.prefix)[-1][0]
        else:
            owner = model
        f = owner._meta.get_field(self.relation)
        if not f.is_relation:
            raise ValueError(f"{self.path!r} does not end in a relation")
        self.model = f.related_model
        if f.auto_created and not f.concrete:  # reverse relation: the remote field points back
            self.back = f.field.name
        else:  # forward foreign key, one-to-one or many-to-many
            self.back = f.related_query_name()
        self.cond.bind(self.model)

    def rows(self, today: datetime.date) -> models.QuerySet:
        """The matching rows, correlated with the row one level out (for ``Exists``)."""
        outer = OuterRef(self.prefix) if self.prefix else OuterRef("pk")
        return self.model._default_manager.filter(**{self.back: outer}).filter(self.cond.q(today))

    def q(self, today: datetime.date) -> Q:
        return Q(Exists(self.rows(today)))

    def test(self, stack: list[Any], ctx: _Ctx) -> bool:
        owner = _walk(stack[-1], self.prefix) if self.prefix else stack[-1]
        if owner is None:
            return False
        try:
            related = getattr(owner, self.relation)
        except ObjectDoesNotExist:
            return False
        if related is None:
            return False
        rows = related.all() if hasattr(related, "all") else [related]
        hits = [row for row in rows if self.cond.test([*stack, row], ctx)]
        if self.name and hits:
            ctx.found.setdefault(self.name, []).extend(hits)
        return bool(hits)

    def until_sql(self, today: datetime.date) -> Subquery:
        latest = self.rows(today).order_by(F(self.until).desc(nulls_last=True))
        return Subquery(latest.values(self.until)[:1])

    def reach(self, model: type[models.Model], prefix: str) -> list[tuple[type, str]]:
        here = _join(prefix, self.path)
        out = (
            [(m, _join(prefix, p)) for m, p in _models_on(model, self.prefix)]
            if self.prefix
            else []
        )
        return [*out, (self.model, here), *self.cond.reach(self.model, here)]

    def named(self) -> list[Some]:
        return [self] if self.name else []
