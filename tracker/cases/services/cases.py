"""Case write services: register (``case_create``), edit (``case_update``) and move along the
workflow (``case_transition``), with the reference counter and the milestone due dates."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.cases import workflow
from tracker.cases.registry import CaseKind
from tracker.cases.scoping import jurisdictions_for, user_role
from tracker.cases.services.common import (
    StaleEdit,
    TransitionRefused,
    require_editable,
    require_editor,
    require_owner_in_scope,
    require_reason,
    tracked_save,
)
from tracker.cases.validators import refuse_id_numbers
from tracker.cases.withdrawals import WithdrawalState
from tracker.cases.workflow import Status
from tracker.models import Case, Jurisdiction, Milestone, ReferenceCounter, User


def _next_reference(jurisdiction: Jurisdiction, kind: CaseKind, year: int) -> str:
    """Issue the next reference for jurisdiction-kind-year under a row lock."""
    prefix = f"{jurisdiction.code}-{kind.code}-{year}"
    counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(prefix=prefix)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}-{counter.last:04d}"


def milestone_due_dates(start: datetime.date, deadline: datetime.date, n: int) -> list:
    """Spread n milestone due dates evenly from the registration date to the deadline."""
    span = max((deadline - start).days, 0)
    return [start + datetime.timedelta(days=round(span * (i + 1) / n)) for i in range(n)]


@transaction.atomic
def case_create(
    *,
    kind: CaseKind,
    jurisdiction: Jurisdiction,
    by: User,
    case_fields: dict[str, Any],
    subject_fields: dict[str, Any],
    m2m: dict[str, Any] | None = None,
    reason: str = "",
) -> Case:
    """Register a case with its subject and its kind's milestone template."""
    require_editor(by, jurisdiction)
    reason = reason or _("新建登记")
    case = Case(kind=kind.key, jurisdiction=jurisdiction, **case_fields)
    case.registered_on = case.registered_on or timezone.localdate()
    subject = kind.subject_model(**subject_fields)
    if not case.title:
        subject.case = case  # for case_title() needing related names only
        case.title = subject.case_title()[:300]
    case.reference = "PENDING"
    case.full_clean(exclude=["reference"])
    require_owner_in_scope(case)
    subject.full_clean(exclude=["case"])
    refuse_id_numbers(subject)  # before the case, whose title is made of the subject's fields
    case.reference = _next_reference(jurisdiction, kind, case.registered_on.year)
    # One version per user action: the case, its subject and its milestones share one history
    # instant, so "as of" that instant, compare and the timeline show the whole registration.
    registered_at = timezone.now()
    case._history_date = registered_at
    tracked_save(case, by=by, reason=reason, clean=False)
    subject.case = case
    subject._history_date = registered_at
    tracked_save(subject, by=by, reason=reason, clean=False)
    for name, values in (m2m or {}).items():
        getattr(subject, name).set(values)
    dues = milestone_due_dates(case.registered_on, case.deadline, len(kind.milestones))
    for order, (spec, due) in enumerate(zip(kind.milestones, dues), start=1):
        milestone = Milestone(
            case=case,
            code=spec.code,
            name=str(spec.name),
            order=order,
            required=spec.required,
            due_date=due,
        )
        milestone._history_date = registered_at
        tracked_save(milestone, by=by, reason=reason, clean=False)
        del milestone._history_date
    del case._history_date, subject._history_date  # later saves of these objects are new versions
    return case


def _changed_fields(instance: models.Model, fresh: models.Model, names: list[str]) -> list[str]:
    return [
        str(instance._meta.get_field(n).verbose_name)
        for n in names
        if getattr(instance, instance._meta.get_field(n).attname)
        != getattr(fresh, fresh._meta.get_field(n).attname)
    ]


@transaction.atomic
def case_update(
    *,
    case: Case,
    by: User,
    expected_version: int,
    case_fields: dict[str, Any],
    subject_fields: dict[str, Any] | None = None,
    m2m: dict[str, Any] | None = None,
    reason: str,
) -> Case:
    """Edit a case and its subject; refused if the case changed since the form was loaded."""
    reason = require_reason(reason)
    require_editor(by, case.jurisdiction)
    current = Case.objects.select_for_update().get(pk=case.pk)
    if current.version != expected_version:
        changed = [
            f"{h.history_date:%Y-%m-%d %H:%M} {h.history_user or ''}: {h.history_change_reason or ''}"
            for h in current.history.filter(version__gt=expected_version).select_related(
                "history_user"
            )
        ]
        raise StaleEdit(
            _("保存失败：该事项在您打开表单后已被他人修改（当前版本 %(v)d）。请刷新后重新填写。")
            % {"v": current.version},
            changed,
        )
    require_editable(current)
    if {"status", "version", "jurisdiction", "kind", "reference"} & set(case_fields):
        raise ValueError("status, version, jurisdiction, kind and reference are not edited here")
    changed = {n for n, v in case_fields.items() if getattr(current, n) != v}
    problem = workflow.decision_change_refusal(current, changed)
    if problem:
        raise ValidationError(problem)
    for name, value in case_fields.items():
        setattr(current, name, value)
    subject = current.subject
    if subject is not None:
        for name, value in (subject_fields or {}).items():
            setattr(subject, name, value)
        subject.full_clean(exclude=["case"])
        refuse_id_numbers(subject)
    current.full_clean()
    if "owner" in case_fields or "owner_id" in case_fields:
        require_owner_in_scope(current)
    current.version += 1
    tracked_save(current, by=by, reason=reason, clean=False)
    if subject is not None and (subject_fields or m2m):
        tracked_save(subject, by=by, reason=reason, clean=False)
        for name, values in (m2m or {}).items():
            getattr(subject, name).set(values)
    return current


@dataclass
class Decision:
    """Decision fields that may be filled in while moving a case to "decided"."""

    disposition: str
    doc_no: str
    date: datetime.date


@transaction.atomic
def case_transition(
    *,
    case: Case,
    to: str,
    by: User,
    reason: str,
    decision: Decision | None = None,
    withdrawal=None,
) -> Case:
    """Move a case along one workflow edge, after the role and guard checks, with a reason.
    ``withdrawal``: the approved request a withdrawal carries out (``withdrawal_decide``)."""
    if not (reason or "").strip():
        raise TransitionRefused(_("请填写状态变更的原因。"))
    current = Case.objects.select_for_update().get(pk=case.pk)
    if not jurisdictions_for(by).filter(pk=current.jurisdiction_id).exists():
        raise TransitionRefused(_("该事项不在您的管辖范围内。"))
    redeciding = workflow.is_redecision(current.status, to)
    superseded = _superseded(current, decision, by, reason) if redeciding else None
    if to == Status.DECIDED and decision is not None:
        current.disposition = decision.disposition
        current.decision_doc_no = decision.doc_no.strip()
        current.decision_date = decision.date
    approved = (
        withdrawal is not None
        and withdrawal.case_id == current.pk
        and withdrawal.state == WithdrawalState.APPROVED
        and withdrawal.decided_by_id == by.pk
    )
    problem = workflow.refusal(current, to, user_role(by), approved_request=approved)
    if superseded is not None and not problem:
        problem = _redecision_problem(superseded, decision)
    if problem:
        raise TransitionRefused(problem)
    current.status = to
    try:
        current.full_clean()
    except ValidationError as exc:
        raise TransitionRefused("；".join(exc.messages)) from exc
    current.version += 1
    tracked_save(current, by=by, reason=reason.strip(), clean=False)
    if superseded is not None:
        tracked_save(superseded, by=by, reason=reason.strip())
    return current


def _superseded(current: Case, decision: Decision | None, by: User, reason: str):
    """The decision a re-decision replaces, as it stands before the new one is applied."""
    from tracker.cases.decisions import SupersededDecision

    return SupersededDecision(
        case=current,
        disposition=current.disposition,
        decision_doc_no=current.decision_doc_no,
        decision_date=current.decision_date,
        status_before=current.status,
        new_disposition=decision.disposition if decision else "",
        new_doc_no=decision.doc_no.strip() if decision else "",
        new_date=decision.date if decision else None,
        reason=reason.strip(),
        superseded_by=by,
    )


def _redecision_problem(old, decision: Decision | None) -> str | None:
    """A re-decision's own checks: a decision given, a new number, not dated earlier."""
    if decision is None:
        return _("重新决定须填写新的处理决定、决定文号和决定日期。")
    return workflow.redecision_refusal(old, decision.doc_no, decision.date)
