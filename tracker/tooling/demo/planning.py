"""Planning the demo cases: which kinds and final statuses, their dates, and their steps.

``PlanningMixin`` is the part of ``DemoSeeder`` (tracker.tooling.demo.seeder) that turns the
number of cases into ``Plan`` objects: each case's kind and final status, its registration date
and deadline, and the dated steps (built by tracker.tooling.demo.steps) that take it there.
What a case is about comes from its kind's ``DemoKind.plan`` hook. Every draw is from the one
``self.rng``, in a fixed order, so a seed always gives the same demo.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tracker.cases.registry import CaseKind, get_kind, kinds
from tracker.cases.workflow import OPEN_STATUSES, Status
from tracker.models import Case, Department, Jurisdiction, User
from tracker.tooling.demo.city import (
    MIN_AGE,
    REOPEN_REASONS,
    STATUS_SHARES,
    WITHDRAW_REASONS,
    WORK_NOTES,
)

Step = Callable[["Plan", datetime.date], None]


@dataclass
class Plan:
    """One case to build: what it is, where, and the timed steps that make its history."""

    index: int
    kind: str
    jurisdiction: Jurisdiction
    department: Department | None
    actor: User
    final: str
    registered_on: datetime.date
    deadline: datetime.date
    overdue: bool
    subject: dict[str, Any]
    m2m: dict[str, Any]
    disposition: str
    steps: list[tuple[datetime.date, Callable[[Plan, datetime.date], None]]] = field(
        default_factory=list
    )
    case: Case | None = None


class PlanningMixin:
    """Plans every demo case before any is written; the seeder's state lives on ``self``."""

    def _kind_list(self, n: int) -> list[str]:
        """n case kinds in random order, by each kind's DemoKind.share (see there)."""
        demo_kinds = [k for k in kinds() if k.demo is not None]
        counts = {
            k.key: min(k.demo.limit(self), max(1, round(n * k.demo.share)))
            for k in demo_kinds
            if k.demo.limit is not None
        }
        rest = n - sum(counts.values())
        shared = [k for k in demo_kinds if k.demo.limit is None]
        for k in shared[:-1]:
            counts[k.key] = round(rest * k.demo.share)
        counts[shared[-1].key] = rest - sum(counts[k.key] for k in shared[:-1])
        keys = [k.key for k in demo_kinds for _ in range(counts[k.key])]
        self.rng.shuffle(keys)
        for k in demo_kinds:
            if k.demo.prepare is not None:
                k.demo.prepare(self)
        self.statuses = self._status_list(n)
        self.overdue_seeded = False
        return keys

    def _status_list(self, n: int) -> list[str]:
        total = sum(w for _s, w in STATUS_SHARES)
        counts = {s: max(1, n * w // total) for s, w in STATUS_SHARES}
        while sum(counts.values()) < n:
            counts[Status.IN_PROGRESS] += 1
        while sum(counts.values()) > n:
            biggest = max(counts, key=counts.get)
            counts[biggest] -= 1
        statuses = [s for s, c in counts.items() for _ in range(c)]
        self.rng.shuffle(statuses)
        return statuses

    def _plan_case(self, index: int, kind: str) -> Plan:
        final = self.statuses[index]
        planned = get_kind(kind).demo.plan(self, index)
        registered_on, deadline, overdue = self._plan_dates(final)
        plan = Plan(
            index=index,
            kind=kind,
            jurisdiction=planned.jurisdiction,
            department=planned.department,
            actor=self._actor(planned.jurisdiction),
            final=final,
            registered_on=registered_on,
            deadline=deadline,
            overdue=overdue and deadline < self.today,
            subject=planned.subject,
            m2m=planned.m2m,
            disposition=planned.disposition,
        )
        self._plan_steps(plan)
        return plan

    def _plan_dates(self, final: str) -> tuple[datetime.date, datetime.date, bool]:
        """Registration date, deadline and whether the case is to be overdue."""
        rng = self.rng
        # Dates: registration early enough for the final status; some open cases overdue.
        latest = self.today - datetime.timedelta(days=MIN_AGE[final])
        latest = max(latest, self.window_start)
        deadline = datetime.date(self.today.year, 12, 31)
        # At least the first open case is overdue, so every run has some.
        overdue = final in OPEN_STATUSES and (rng.random() < 0.3 or not self.overdue_seeded)
        self.overdue_seeded = self.overdue_seeded or overdue
        if overdue:
            rounds = [
                datetime.date(self.today.year, m, d)
                for m, d in ((6, 30), (8, 31), (9, 30), (10, 31), (11, 20))
            ]
            rounds = [
                d
                for d in rounds
                if self.window_start + datetime.timedelta(days=40) <= d < self.today
            ]
            deadline = rng.choice(rounds) if rounds else self.today - datetime.timedelta(days=10)
            latest = min(latest, deadline - datetime.timedelta(days=30))
            latest = max(latest, self.window_start)
        # Most cases are registered early in the year (the 摸底 wave), a tail later on.
        span = max((latest - self.window_start).days, 0)
        offset = round(rng.triangular(0, span, span * 0.15)) if span else 0
        registered_on = self.window_start + datetime.timedelta(days=offset)
        deadline = max(deadline, registered_on)
        return registered_on, deadline, overdue

    # --- steps -------------------------------------------------------------------------

    def _plan_steps(self, plan: Plan) -> None:
        """The ordered actions that take a case to its final status, each with a date."""
        actions = self._plan_actions(plan)
        self._date_steps(plan, actions)

    def _reached(self, final: str) -> tuple[int, bool]:
        """How far along the workflow (index in ``Status``) a case goes, and if it is reopened."""
        rng = self.rng
        if final == Status.WITHDRAWN:
            stage = rng.choice(
                [Status.REGISTERED, Status.UNDER_REVIEW, Status.DECIDED, Status.IN_PROGRESS]
            )
        else:
            stage = final
        reopened = final == Status.IN_PROGRESS and rng.random() < 0.12
        order = list(Status)
        return order.index(Status.CLOSED if reopened else stage), reopened

    def _maybe_note(self, actions: list[Step]) -> None:
        if self.rng.random() < 0.35:
            actions.append(self._note_step(self.rng.choice(WORK_NOTES)))

    def _plan_actions(self, plan: Plan) -> list[Step]:
        """The actions, in order, up to the case's final status (the dates come after)."""
        rng = self.rng
        kind = get_kind(plan.kind)
        final = plan.final
        reached, reopened = self._reached(final)
        actions: list[Step] = []
        if reached == 0:
            actions.extend(self._milestone_step(i) for i in range(rng.choice([0, 1])))
            self._maybe_note(actions)
        if reached >= 1:
            self._review_actions(actions, kind, reached)
        if reached >= 2:
            actions.append(self._decide_step())
        if reached >= 3:
            self._rectify_actions(actions, kind, reached)
        if reached >= 4:
            actions.append(self._transition_step(Status.COMPLETED, "必需节点已全部完成。"))
        if reached >= 5:
            actions.append(
                self._transition_step(Status.CLOSED, "经核查验收，同意销号。", admin=True)
            )
        if reopened:
            actions.append(
                self._transition_step(Status.IN_PROGRESS, rng.choice(REOPEN_REASONS), admin=True)
            )
            actions.append(self._note_step("已重新部署整改，责任部门限期报送整改情况。"))
        if final == Status.WITHDRAWN:
            actions.append(self._withdraw_step(rng.choice(WITHDRAW_REASONS)))
        return actions

    def _review_actions(self, actions: list[Step], kind: CaseKind, reached: int) -> None:
        """Review: the first milestone, the transition, the milestones done by the decision."""
        at_decision = kind.demo.done_at_decision
        done = self.rng.randint(1, at_decision - 1) if reached == 1 else at_decision
        actions.append(self._milestone_step(0))
        actions.append(self._transition_step(Status.UNDER_REVIEW, "开始核查：已收到部门摸底材料。"))
        for i in range(1, done):
            actions.append(self._milestone_step(i))
        self._maybe_note(actions)

    def _rectify_actions(self, actions: list[Step], kind: CaseKind, reached: int) -> None:
        """Rectification: the transition and the milestones after the decision (optional ones
        skipped at random); all of them unless the case stays in progress."""
        rng = self.rng
        specs = kind.milestones
        at_decision = kind.demo.done_at_decision
        last_required = max(i for i, s in enumerate(specs) if s.required)
        actions.append(self._transition_step(Status.IN_PROGRESS, "按处理决定开始整改。"))
        if reached == 3:
            upto = rng.randint(at_decision, last_required)
        else:
            upto = len(specs)
        for i in range(at_decision, upto):
            if not specs[i].required and rng.random() < 0.5:
                continue
            actions.append(self._milestone_step(i))
        self._maybe_note(actions)

    def _date_steps(self, plan: Plan, actions: list[Step]) -> None:
        """Registration first, the rest spread (sorted) over part of the time left; an overdue
        case gets its explanation after the deadline."""
        rng = self.rng
        first = plan.registered_on
        yesterday = self.today - datetime.timedelta(days=1)
        available = max((yesterday - first).days, 0)
        share = rng.uniform(0.75, 1.0) if plan.final in OPEN_STATUSES else rng.uniform(0.4, 1.0)
        span = round(available * share)
        days = sorted(rng.randint(1, span) if span else 0 for _ in actions)
        plan.steps = [(first, self._create_step)]
        plan.steps += [
            (first + datetime.timedelta(days=d), a) for d, a in zip(days, actions, strict=True)
        ]
        if plan.overdue:
            after = max(plan.deadline + datetime.timedelta(days=1), plan.steps[-1][0])
            if after <= yesterday:
                when = after + datetime.timedelta(days=rng.randint(0, (yesterday - after).days))
                plan.steps.append((when, self._overdue_note_step()))
