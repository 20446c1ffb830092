"""The benchmark cases: bulk-inserted in their initial state, then a year of history as rows.

``CasesMixin`` is the part of ``Builder`` (tracker.tooling.benchdata.builder) that writes the
cases in chunks of ``CHUNK``, each chunk in one transaction: the cases, their subjects (from
the kind's ``BenchKind.subject`` hook) and milestones through
``tracker.imports.bulk.bulk_insert_with_history``; then the status changes, edits and milestone
completions of the year that followed as history rows linked into the audit chain with
``tracker.imports.bulk.insert_chained``; then the rows' final state in one prepared UPDATE.

This is the bulk-insert hot path: the steps are split per chunk and per case, never per row
of a bulk insert.
"""

from __future__ import annotations

import datetime
import time

from django.db import transaction
from django.utils import timezone

from tracker.cases import services
from tracker.cases.registry import CaseKind, get_kind, kinds
from tracker.cases.workflow import Status
from tracker.imports.bulk import bulk_insert_with_history, insert_chained
from tracker.models import Case, Jurisdiction, Milestone
from tracker.tooling.benchdata.names import CHUNK, FORWARD, REASON, STATUS_WEIGHTS
from tracker.tooling.benchdata.rows import _aware, _write_final_state

# (case number, kind key, final status, kind) of each case of a chunk
Meta = tuple[int, str, str, CaseKind]


class CasesMixin:
    """Writes the cases and their year of history; the builder's state lives on ``self``."""

    def _pick_jurisdiction(self) -> Jurisdiction:
        r = self.rng.random()
        if r < 0.03:
            return self.province
        if r < 0.15:
            return self.rng.choice(self.cities)
        return self.rng.choice(self.counties)

    def _reference(self, juris: Jurisdiction, kind_code: str, year: int) -> str:
        prefix = f"{juris.code}-{kind_code}-{year}"
        n = self.ref_counters.get(prefix, 0) + 1
        self.ref_counters[prefix] = n
        return f"{prefix}-{n:04d}"

    def _status_path(self, final: str) -> list[str]:
        if final == Status.REGISTERED:
            return []
        if final == Status.WITHDRAWN:
            return [*FORWARD[: self.rng.randint(0, 3)], Status.WITHDRAWN]
        return FORWARD[: FORWARD.index(final) + 1]

    def cases(self) -> None:
        bench_kinds = [k for k in kinds() if k.bench is not None]
        kinds_pop = [k.key for k in bench_kinds]
        kinds_w = [k.bench.weight for k in bench_kinds]
        status_pop = list(STATUS_WEIGHTS)
        status_w = list(STATUS_WEIGHTS.values())
        done = 0
        started = time.perf_counter()
        while done < self.n:
            size = min(CHUNK, self.n - done)
            plans = []
            for j in range(size):
                i = done + j
                kind = self.rng.choices(kinds_pop, kinds_w)[0]
                final = self.rng.choices(status_pop, status_w)[0]
                plans.append((i, kind, final))
            self._case_chunk(plans)
            done += size
            rate = done / max(time.perf_counter() - started, 1e-9)
            self.progress(f"  cases {done:,}/{self.n:,} ({rate:,.0f}/s)")

    @transaction.atomic
    def _case_chunk(self, plans: list[tuple[int, str, str]]) -> None:
        """One chunk of cases, with subjects, milestones and history, in one transaction."""
        created, meta = self._insert_cases(plans)
        self._insert_subjects(created, meta)
        per_case = self._insert_milestones(created, meta)
        self._write_year(created, per_case, meta)
        self.result.cases += len(created)

    def _insert_cases(self, plans: list[tuple[int, str, str]]) -> tuple[list[Case], list[Meta]]:
        """The chunk's case rows in their initial state (registered, version 1)."""
        rng = self.rng
        span_days = (self.today - self.year_start).days
        cases: list[Case] = []
        meta = []
        for i, kind, final in plans:
            juris = self._pick_jurisdiction()
            spec = get_kind(kind)
            registered = self.year_start + datetime.timedelta(days=rng.randint(0, span_days - 30))
            deadline = registered + datetime.timedelta(days=rng.randint(60, 330))
            owner = self.owners_by_juris.get(juris.pk) if rng.random() < 0.9 else None
            case = Case(
                reference=self._reference(juris, spec.code, registered.year),
                kind=kind,
                title=spec.bench.title(self, juris, i),
                jurisdiction=juris,
                department=rng.choice(self.depts_by_juris[juris.pk]),
                owner=owner,
                status=Status.REGISTERED,
                registered_on=registered,
                deadline=deadline,
                version=1,
            )
            case._history_date = _aware(registered, rng.randint(0, 8 * 3600))
            case._history_user = owner or self.admin
            cases.append(case)
            meta.append((i, kind, final, spec))
        created = bulk_insert_with_history(Case, cases, by=self.admin, reason=REASON)
        self.history_rows += len(created)
        return created, meta

    def _insert_subjects(self, created: list[Case], meta: list[Meta]) -> None:
        """Subjects: one per case, created with the case."""
        by_model: dict[type, list] = {}
        for case, (i, _kind, _final, spec) in zip(created, meta, strict=True):
            subject = spec.bench.subject(self, case, i)
            subject._history_date = case._history_date
            subject._history_user = case._history_user
            by_model.setdefault(spec.subject_model, []).append(subject)
        for model, objs in by_model.items():
            bulk_insert_with_history(model, objs, by=self.admin, reason=REASON)
            self.history_rows += len(objs)

    def _insert_milestones(self, created: list[Case], meta: list[Meta]) -> list[list[Milestone]]:
        """Milestones: the kind's template, created not done with the case; per case."""
        milestones: list[Milestone] = []
        per_case: list[list[Milestone]] = []
        for case, (_i, _kind, _final, spec) in zip(created, meta, strict=True):
            dues = services.milestone_due_dates(
                case.registered_on, case.deadline, len(spec.milestones)
            )
            ms = []
            for order, (m_spec, due) in enumerate(zip(spec.milestones, dues, strict=True), 1):
                m = Milestone(
                    case=case,
                    code=m_spec.code,
                    name=str(m_spec.name),
                    order=order,
                    required=m_spec.required,
                    due_date=due,
                )
                m._history_date = case._history_date
                m._history_user = case._history_user
                ms.append(m)
            milestones.extend(ms)
            per_case.append(ms)
        bulk_insert_with_history(Milestone, milestones, by=self.admin, reason=REASON)
        self.history_rows += len(milestones)
        return per_case

    def _write_year(
        self, created: list[Case], per_case: list[list[Milestone]], meta: list[Meta]
    ) -> None:
        """The year that followed: status changes and edits (K-1 per case) and milestone
        completions, each a history row in the chain, then the rows' final state."""
        case_history = Case.history.model
        ms_history = Milestone.history.model
        hist_rows: list[dict] = []
        ms_rows: list[dict] = []
        done_milestones: list[Milestone] = []
        case_fields = [f.attname for f in case_history.tracked_fields]
        ms_fields = [f.attname for f in ms_history.tracked_fields]
        now = timezone.now()
        for case, ms, (_i, _kind, final, spec) in zip(created, per_case, meta, strict=True):
            self._case_changes(case, final, spec, now, case_fields, hist_rows)
            self._milestone_completions(case, final, ms, now, ms_fields, ms_rows, done_milestones)
        for history_model, rows in ((case_history, hist_rows), (ms_history, ms_rows)):
            insert_chained(history_model, rows)
            self.history_rows += len(rows)
        _write_final_state(
            Case,
            created,
            ["status", "disposition", "decision_doc_no", "decision_date", "deadline", "version"],
        )
        _write_final_state(
            Milestone,
            done_milestones,
            ["done", "effective_date", "doc_no", "recorded_by", "recorded_at"],
        )

    def _case_changes(
        self,
        case: Case,
        final: str,
        spec: CaseKind,
        now: datetime.datetime,
        case_fields: list[str],
        hist_rows: list[dict],
    ) -> None:
        """One case's K-1 changes (its status path, deadline edits in between) as history
        rows in ``hist_rows``; the case row is left in its final state."""
        rng = self.rng
        steps = self._status_path(final)
        n_changes = self.k - 1
        slots = sorted(rng.sample(range(n_changes), min(len(steps), n_changes)))
        start = case._history_date
        end = min(now, start + datetime.timedelta(days=300))
        span = max((end - start).total_seconds(), 60.0)
        times = sorted(
            start + datetime.timedelta(seconds=rng.uniform(60, span)) for _ in range(n_changes)
        )
        step_iter = iter(steps)
        user = case._history_user
        for n, when in enumerate(times):
            if slots and n == slots[0]:
                slots.pop(0)
                target = next(step_iter)
                if target == Status.DECIDED:
                    case.disposition = spec.dispositions[n % len(spec.dispositions)][0]
                    case.decision_doc_no = f"基改〔{when.year}〕{case.pk % 1000 + 1}号"
                    case.decision_date = timezone.localdate(when)
                case.status = target
                reason = f"状态变更：{Status(target).label}"
            else:
                case.deadline += datetime.timedelta(days=rng.choice((15, 30, 45)))
                reason = "调整完成时限"
            case.version += 1
            values = {a: getattr(case, a) for a in case_fields}
            values.update(
                history_date=when,
                history_user_id=user.pk,
                history_change_reason=reason,
                history_type="~",
            )
            hist_rows.append(values)
        # Steps that did not fit into K-1 changes (small K): jump to the final state.
        for target in step_iter:
            case.status = target

    def _milestone_completions(
        self,
        case: Case,
        final: str,
        ms: list[Milestone],
        now: datetime.datetime,
        ms_fields: list[str],
        ms_rows: list[dict],
        done_milestones: list[Milestone],
    ) -> None:
        """One case's milestones done so far, in order: history rows in ``ms_rows``, the
        milestones (in their final state) in ``done_milestones``."""
        n_done = self._milestones_done(final, ms)
        user = case._history_user
        when = case._history_date
        for m in ms[:n_done]:
            when = min(now, when + datetime.timedelta(days=self.rng.randint(3, 30)))
            m.done = True
            m.effective_date = timezone.localdate(when)
            m.doc_no = f"基办〔{when.year}〕{m.pk % 1000 + 1}号"
            m.recorded_by = user
            m.recorded_at = when
            done_milestones.append(m)
            values = {a: getattr(m, a) for a in ms_fields}
            values.update(
                history_date=when,
                history_user_id=user.pk,
                history_change_reason=f"完成节点：{m.name}",
                history_type="~",
            )
            ms_rows.append(values)

    def _milestones_done(self, final: str, ms: list[Milestone]) -> int:
        n = len(ms)
        if final in (Status.COMPLETED, Status.CLOSED):
            return (
                n if self.rng.random() < 0.5 else max(i + 1 for i, m in enumerate(ms) if m.required)
            )
        return {
            Status.REGISTERED: 0,
            Status.UNDER_REVIEW: 1,
            Status.DECIDED: 3,
            Status.IN_PROGRESS: self.rng.randint(3, n - 2),
            Status.WITHDRAWN: self.rng.randint(0, 2),
        }[final]
