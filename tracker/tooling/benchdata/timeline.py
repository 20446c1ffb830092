"""The benchmark's cases with a long timeline (200 and 500 history events).

``TimelineMixin`` is the part of ``Builder`` (tracker.tooling.benchdata.builder) that writes
one case through the services as users would, with the clock moved forward for each event:
its transitions and milestones spread in order over edits, notes and evidence. The kind and
its subject come from the one kind whose ``BenchKind.timeline_case`` is set.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from tracker.cases import services
from tracker.cases.registry import CaseKind, kinds
from tracker.cases.workflow import Status
from tracker.models import Case, Department, Milestone


class TimelineMixin:
    """Writes the long-timeline cases; the builder's state lives on ``self``."""

    def big_case(self, events: int = 200, tag: str = "时间线基准") -> None:
        """One case with ``events`` history rows over its case row, subject, milestones,
        evidence and notes, written through the services as users would; its title ends
        with ``（tag）``."""
        import time_machine

        county = self.counties[0]
        depts = self.depts_by_juris[county.pk]
        spec = next(k for k in kinds() if k.bench is not None and k.bench.timeline_case)
        start = timezone.now() - datetime.timedelta(days=360)
        step = datetime.timedelta(days=360) / (events + 1)
        clock = iter(start + step * n for n in range(events + 10))
        with time_machine.travel(next(clock), tick=False):
            case = self._timeline_create(spec, tag)
        count = 2 + len(spec.milestones)
        milestones = list(case.milestones.order_by("order"))
        sequence = self._timeline_sequence(events, count, len(milestones))
        for action in sequence[: events - count]:
            with time_machine.travel(next(clock), tick=False):
                case.refresh_from_db()
                self._timeline_event(action, case, spec, depts, milestones, count)
            count += 1
        self.result.big_case_reference = case.reference
        self.result.big_case_events = count
        self.history_rows += count

    def _timeline_create(self, spec: CaseKind, tag: str) -> Case:
        """The case, registered in the first county by the province admin."""
        county = self.counties[0]
        stem, subject_fields = spec.bench.timeline_case
        return services.case_create(
            kind=spec,
            jurisdiction=county,
            by=self.admin,
            case_fields={
                "title": f"{county.name}{stem}（{tag}）",
                "department": self.depts_by_juris[county.pk][0],
                "owner": self.owners_by_juris[county.pk],
            },
            subject_fields=dict(subject_fields),
            reason="登记",
        )

    def _timeline_sequence(self, events: int, count: int, n_milestones: int) -> list[str]:
        """The events after registration: the transitions and milestones spread, in order,
        over shuffled edits, notes and evidence."""
        plan = ["transition:" + s for s in (Status.UNDER_REVIEW, Status.DECIDED)]
        plan += ["transition:" + Status.IN_PROGRESS]
        plan += ["milestone"] * n_milestones + ["transition:" + Status.COMPLETED]
        remaining = events - count - len(plan)
        n_notes, n_evidence = events // 5, events // 10
        n_updates = max(0, remaining - n_notes - n_evidence)
        filler = ["update"] * n_updates + ["note"] * n_notes + ["evidence"] * n_evidence
        self.rng.shuffle(filler)
        # Transitions and milestones spread over the filler, in order.
        sequence: list[str] = []
        per = max(1, len(filler) // (len(plan) + 1))
        for n, item in enumerate(filler):
            sequence.append(item)
            if n % per == per - 1 and plan:
                sequence.append(plan.pop(0))
        sequence += plan
        return sequence

    def _timeline_event(
        self,
        action: str,
        case: Case,
        spec: CaseKind,
        depts: list[Department],
        milestones: list[Milestone],
        count: int,
    ) -> None:
        """One event of the timeline, through the services, by the province admin."""
        admin = self.admin
        if action == "update":
            services.case_update(
                case=case,
                by=admin,
                expected_version=case.version,
                case_fields={
                    "deadline": case.deadline + datetime.timedelta(days=1),
                    "department": self.rng.choice(depts),
                },
                reason="调整完成时限和责任部门",
            )
        elif action == "note":
            services.note_add(case=case, by=admin, text="按进度推进，已电话督办。")
        elif action == "evidence":
            services.evidence_add(
                case=case,
                by=admin,
                title="会议纪要",
                upload=None,
                doc_no=f"基纪〔{timezone.localdate().year}〕{count}号",
                issuing_body="基准省改革办",
                effective_date=timezone.localdate(),
                max_bytes=1,
            )
        elif action == "milestone":
            m = milestones.pop(0)
            services.milestone_complete(
                milestone=m,
                by=admin,
                effective_date=timezone.localdate(),
                doc_no=f"基办〔{timezone.localdate().year}〕{m.order}号",
            )
        else:
            target = action.split(":", 1)[1]
            decision = None
            if target == Status.DECIDED:
                decision = services.Decision(
                    spec.dispositions[0][0], "基改〔2024〕1号", timezone.localdate()
                )
            services.case_transition(
                case=case, to=target, by=admin, reason="按程序推进", decision=decision
            )
