"""What a case kind gives ``manage.py seed_demo`` and ``manage.py bench``.

The core builds the demo city and the benchmark province (jurisdictions, departments, users,
each case's history); what a case *is about* comes from the kind's own app, through
``CaseKind.demo`` (a ``DemoKind``) and ``CaseKind.bench`` (a ``BenchKind``). Reference data
that is no case kind (the intermediary firms and approval items the item, firm and post cases
point at) comes from a ``tracker.cases.registry.DataSetup`` the app registers.

The hooks draw from the builder's one ``rng``, in the order the builder calls them, so a seed
gives the same data set whichever app the code lives in.

The demo hooks receive ``seed_demo``'s ``tracker.tooling.demo.DemoSeeder`` as ``ctx``; what
they may use of it:

* ``rng``, ``today``, ``admin``: the one random stream, the demo's today, the demo admin;
* ``jurisdictions`` (code -> Jurisdiction), ``abbr`` (code -> short name in document numbers);
* ``departments`` (department key -> jurisdiction code -> Department), ``dept_key``
  (Department pk -> key), ``department_layout`` (jurisdiction code -> department keys),
  ``department_catalogue`` (key -> (full-name suffix, short name, document abbreviation));
* ``pick_jurisdiction(with_departments=...)``, ``departments_in(code)``;
* ``save(obj)``: ``tracked_save`` by the admin with the set-up reason;
* ``extra``: a dict where an app keeps what its set-up built (keyed by the app's name).

The bench hooks receive the ``tracker.tooling.benchdata.Builder``: ``rng``, ``counties``,
``depts_by_juris`` (Jurisdiction pk -> departments), ``owners_by_juris``, ``bulk(model,
objs)`` (the history-writing bulk insert of reference data) and ``extra`` as above; the name
pools are that module's ``DEPT_NAMES``, ``SURNAMES`` and ``GIVEN``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DemoSubject:
    """One demo case's subject as a kind plans it: where, whose, about what, decided how."""

    jurisdiction: Any  # tracker.models.Jurisdiction
    department: Any  # tracker.models.Department | None
    subject: dict[str, Any]
    m2m: dict[str, Any]
    disposition: str


@dataclass(frozen=True)
class DemoKind:
    """A kind's part of ``manage.py seed_demo``.

    ``share``: the kind's share of the demo cases. A kind with a ``limit`` (at most one case per
    firm) takes its share of all cases first, at least one and at most ``limit(ctx)``; the
    other kinds share what is left in registry order, the last taking the remainder.
    """

    share: float
    done_at_decision: int  # milestones (in order) done when the case is decided
    # Document-number prefix and issuing body of the decision, formatted with abbr= and name=
    # (the jurisdiction's short name and name).
    decision_issuer: tuple[str, str]
    plan: Callable[[Any, int], DemoSubject]  # (ctx, case index) -> the case's subject
    # Milestone code -> issuer of its documents: a body the core knows ("reform", "government",
    # "organisation", "finance", "price", "registration") or a (prefix, body) pair of templates
    # as decision_issuer. Codes not listed: the case's department.
    milestone_issuers: dict[str, str | tuple[str, str]] = field(default_factory=dict)
    limit: Callable[[Any], int] | None = None
    prepare: Callable[[Any], None] | None = None  # (ctx) after the case kinds are shuffled
    # (ctx, plan, milestone code, day) -> (subject fields, reason): facts a milestone
    # establishes, written with case_update; ({}, "") for none.
    follow_up: Callable[[Any, Any, str, datetime.date], tuple[dict[str, Any], str]] | None = None


@dataclass(frozen=True)
class BenchKind:
    """A kind's part of the synthetic benchmark province (``tracker.tooling.benchdata``)."""

    weight: int  # relative share of the cases
    title: Callable[[Any, Any, int], str]  # (builder, jurisdiction, case number) -> title
    subject: Callable[[Any, Any, int], Any]  # (builder, case, case number) -> unsaved subject
    # The case with 200/500 history events written through the services: its title stem and
    # subject fields. One kind provides it.
    timeline_case: tuple[str, dict[str, Any]] | None = None
