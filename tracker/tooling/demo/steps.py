"""The steps of a demo case's history, each written through ``tracker.cases.services``.

``StepsMixin`` is the part of ``DemoSeeder`` (tracker.tooling.demo.seeder) that builds them:
each ``*_step`` returns a callable run on its day with the clock moved there, so the history
(user, reason, date) looks like a real year of work. Document numbers and issuers come from the
kind's ``DemoKind`` (``decision_issuer``, ``milestone_issuers``, ``follow_up``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from tracker.cases import services
from tracker.cases.registry import get_kind
from tracker.cases.workflow import Status
from tracker.models import Case, Milestone, Note
from tracker.tooling.demo.city import DEPARTMENTS, OVERDUE_NOTES, WITHDRAW_CATEGORIES
from tracker.tooling.demo.planning import Plan


class StepsMixin:
    """Builds the step callables of the plans; the seeder's state lives on ``self``."""

    def _doc(self, prefix: str, day: datetime.date) -> str:
        """The next made-up document number for an issuer, e.g. 岚发改〔2026〕12号."""
        key = f"{prefix}{day.year}"
        last = self.doc_counters.get(key) or self.rng.randint(1, 20)
        last += self.rng.randint(1, 3)
        self.doc_counters[key] = last
        return f"{prefix}〔{day.year}〕{last}号"

    def _create_step(self, plan: Plan, day: datetime.date) -> None:
        plan.case = services.case_create(
            kind=get_kind(plan.kind),
            jurisdiction=plan.jurisdiction,
            by=plan.actor,
            case_fields={
                "department": plan.department,
                "owner": plan.actor,
                "registered_on": plan.registered_on,
                "deadline": plan.deadline,
            },
            subject_fields=plan.subject,
            m2m=plan.m2m,
            reason="按本轮清理工作通知登记。",
        )

    def _transition_step(self, to: str, reason: str, admin: bool = False) -> Callable:
        def step(plan: Plan, day: datetime.date) -> None:
            by = self.admin if admin else plan.actor
            plan.case = services.case_transition(case=plan.case, to=to, by=by, reason=reason)

        return step

    def _withdraw_step(self, reason: str) -> Callable:
        """The case's staff (or admin) asks, with the reason's category; another admin approves.
        A duplicate names the latest earlier case of its kind and place still standing."""

        def step(plan: Plan, day: datetime.date) -> None:
            category, basis = WITHDRAW_CATEGORIES[reason]
            duplicate_of = ""
            if category == "duplicate":
                earlier = (
                    Case.objects.filter(
                        kind=plan.case.kind,
                        jurisdiction=plan.case.jurisdiction,
                        pk__lt=plan.case.pk,
                    )
                    .exclude(status=Status.WITHDRAWN)
                    .order_by("-pk")
                    .first()
                )
                category, duplicate_of = (
                    ("duplicate", earlier.reference) if earlier else ("error", "")
                )
            request = services.withdrawal_request(
                case=plan.case,
                by=plan.actor,
                category=category,
                reason=reason,
                duplicate_of=duplicate_of,
                basis=basis,
            )
            approver = self.users["admin2"] if plan.actor == self.admin else self.admin
            services.withdrawal_decide(request=request, by=approver, approve=True)
            plan.case = Case.objects.get(pk=plan.case.pk)

        return step

    def _decide_step(self) -> Callable:
        def step(plan: Plan, day: datetime.date) -> None:
            j = plan.jurisdiction
            abbr = self.abbr[j.code]
            prefix, issuer = (
                t.format(abbr=abbr, name=j.name) for t in get_kind(plan.kind).demo.decision_issuer
            )
            decided = max(plan.registered_on, day - datetime.timedelta(days=self.rng.randint(0, 3)))
            doc_no = self._doc(prefix, decided)
            services.evidence_add(
                case=plan.case,
                by=plan.actor,
                title="处理决定文件",
                upload=None,
                doc_no=doc_no,
                issuing_body=issuer,
                effective_date=decided,
                max_bytes=self.max_bytes,
            )
            plan.case = services.case_transition(
                case=plan.case,
                to=Status.DECIDED,
                by=plan.actor,
                reason="按审定意见作出处理决定。",
                decision=services.Decision(
                    disposition=plan.disposition, doc_no=doc_no, date=decided
                ),
            )

        return step

    def _milestone_step(self, position: int) -> Callable:
        def step(plan: Plan, day: datetime.date) -> None:
            milestone = Milestone.objects.select_related("case__jurisdiction").get(
                case=plan.case, order=position + 1
            )
            prefix, issuer = self._issuer(plan, milestone.code)
            effective = max(
                plan.registered_on, day - datetime.timedelta(days=self.rng.randint(0, 2))
            )
            doc_no = self._doc(prefix, effective)
            evidence = None
            if self.rng.random() < 0.25:
                evidence = services.evidence_add(
                    case=plan.case,
                    by=plan.actor,
                    title=f"{milestone.name}材料",
                    upload=None,
                    doc_no=doc_no,
                    issuing_body=issuer,
                    effective_date=effective,
                    milestone=milestone,
                    max_bytes=self.max_bytes,
                )
            services.milestone_complete(
                milestone=milestone,
                by=plan.actor,
                effective_date=effective,
                doc_no=doc_no,
                evidence=evidence,
            )
            self._subject_follow_up(plan, milestone.code, effective)

        return step

    def _subject_follow_up(self, plan: Plan, code: str, day: datetime.date) -> None:
        """Register facts that a milestone establishes (via case_update, with a reason)."""
        follow_up = get_kind(plan.kind).demo.follow_up
        if follow_up is None:
            return
        subject_fields, reason = follow_up(self, plan, code, day)
        if not subject_fields:
            return
        current = Case.objects.only("version").get(pk=plan.case.pk)
        plan.case = services.case_update(
            case=plan.case,
            by=plan.actor,
            expected_version=current.version,
            case_fields={},
            subject_fields=subject_fields,
            reason=reason,
        )

    def _issuer(self, plan: Plan, code: str) -> tuple[str, str]:
        """Document-number prefix and issuing body for a milestone's document."""
        j = plan.jurisdiction
        abbr = self.abbr[j.code]
        if plan.department is not None:
            key = self.dept_key[plan.department.pk]
            dept = (f"{abbr}{DEPARTMENTS[key][2]}", plan.department.name)
        else:
            dept = (f"{abbr}政办", f"{j.name}人民政府办公室")
        bodies = {
            "reform": (f"{abbr}审改办", f"{j.name}审批制度改革办公室"),
            "government": (f"{abbr}政办发", f"{j.name}人民政府办公室"),
            "organisation": (f"{abbr}组干", f"中共{j.name}委组织部"),
            "finance": (f"{abbr}财综", f"{j.name}财政局"),
            "price": (f"{abbr}发改价格", f"{j.name}发展改革部门"),
            "registration": (f"{abbr}市监登", f"{j.name}市场监督管理部门"),
        }
        issuer = get_kind(plan.kind).demo.milestone_issuers.get(code)
        if issuer is None:
            return dept
        if isinstance(issuer, str):
            return bodies[issuer]
        prefix, body = issuer
        return prefix.format(abbr=abbr, name=j.name), body.format(abbr=abbr, name=j.name)

    def _note_step(self, text: str) -> Callable:
        def step(plan: Plan, day: datetime.date) -> None:
            services.note_add(case=plan.case, by=plan.actor, text=text)

        return step

    def _overdue_note_step(self) -> Callable:
        text = self.rng.choice(OVERDUE_NOTES)
        extra = self.rng.randint(15, 45)

        def step(plan: Plan, day: datetime.date) -> None:
            services.note_add(
                case=plan.case,
                by=plan.actor,
                text=text,
                kind=Note.Kind.OVERDUE,
                expected_date=self.today + datetime.timedelta(days=extra),
            )

        return step
