"""Supervision reads for inspectors: the ties between firms, agencies and officials, as of a date.

Everything is read from history rows (django-simple-history), so a page "as of 2024-06-30" shows
what the register said at the end of that day: the latest history row of each object recorded
before the next midnight (local time), deleted objects dropped. Periods ("from … to …") are the
dates the register recorded a change, not dates claimed in documents.

Scoping: firms and departments must be in the user's jurisdiction subtree (404 otherwise), and
every case-linked row (items, decoupling cases, officials' posts) is shown only when its case's
jurisdiction is in the user's scope too.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from intermediaries.models import (
    AffiliationType,
    DecouplingCase,
    IntermediaryFirm,
    IntermediaryItem,
    OfficialPost,
    PostDisposition,
)
from tracker.audit import asof
from tracker.audit.services import access_log_record
from tracker.cases.registry import all_disposition_choices
from tracker.cases.scoping import jurisdiction_filter, jurisdictions_for
from tracker.cases.workflow import Status
from tracker.models import AccessLog, Case, Department, Jurisdiction, User

HFirm = IntermediaryFirm.history.model
HItem = IntermediaryItem.history.model
HDecoupling = DecouplingCase.history.model
HPost = OfficialPost.history.model
HCase = Case.history.model
ItemApprovalSnapshot = HItem._meta.get_field(
    "historicalintermediaryitem_approval_items"
).related_model

INDEX_LIMIT = 50


# --- dates --------------------------------------------------------------------------------


def parse_as_of(value: str | None, today: datetime.date | None = None) -> tuple[datetime.date, str]:
    """The as-of date from ``?as_of=YYYY-MM-DD`` and a Chinese error ('' when fine).

    Missing means today; a malformed or future date falls back to today with a message.
    """
    today = today or timezone.localdate()
    value = (value or "").strip()
    if not value:
        return today, ""
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        return today, _("日期“%(v)s”格式有误，应为 YYYY-MM-DD；已显示今天的情况。") % {
            "v": value[:20]
        }
    if day > today:
        return today, _("不能查看未来日期（%(v)s）；已显示今天的情况。") % {"v": day.isoformat()}
    return day, ""


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The exclusive bound of "as of the end of ``day``" (the one definition: tracker.audit.asof)."""
    return asof.bound_of_day(day)


def latest_rows(history_model: type[models.Model], end: datetime.datetime) -> models.QuerySet:
    """The latest history row of each object recorded before ``end``, deletions dropped.

    Filters added afterwards apply to that latest row (not to the search for it), so
    ``latest_rows(HPost, end).filter(firm_id=x)`` means "posts whose record at the time said x".
    Ties on ``history_date`` are broken by ``history_id``.
    """
    later = history_model.objects.filter(id=OuterRef("id"), history_date__lt=end).filter(
        Q(history_date__gt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__gt=OuterRef("history_id"))
    )
    return (
        history_model.objects.filter(history_date__lt=end)
        .filter(~Exists(later))
        .exclude(history_type="-")
    )


# --- periods from history rows ------------------------------------------------------------


@dataclass
class Period:
    """One stretch of time during which a value (an affiliation, a credit grade) held."""

    value: Any
    start: datetime.datetime
    end: datetime.datetime | None = None  # None: still so at the as-of date
    reason: str = ""
    user: Any = None
    labels: dict = field(default_factory=dict)


def periods(rows: Iterable, key: Callable[[Any], Any]) -> list[Period]:
    """Collapse history rows (oldest first) into periods of constant ``key(row)``."""
    result: list[Period] = []
    for row in rows:
        if row.history_type == "-":
            if result and result[-1].end is None:
                result[-1].end = row.history_date
            continue
        value = key(row)
        if result and result[-1].end is None and result[-1].value == value:
            continue
        if result and result[-1].end is None:
            result[-1].end = row.history_date
        result.append(
            Period(
                value=value,
                start=row.history_date,
                reason=row.history_change_reason or "",
                user=row.history_user,
            )
        )
    return result


# --- case states as of the date -----------------------------------------------------------

STATUS_LABELS = dict(Status.choices)


@dataclass
class CaseState:
    """A case as the register showed it at the as-of date."""

    id: int
    reference: str
    title: str
    kind: str
    status: str
    disposition: str
    deadline: datetime.date | None
    department_id: int | None
    jurisdiction_id: int

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def disposition_label(self) -> str:
        return str(dict(all_disposition_choices()).get(self.disposition, self.disposition or ""))

    @property
    def is_open(self) -> bool:
        return self.status not in (Status.COMPLETED, Status.CLOSED, Status.WITHDRAWN)


def case_states(
    user: User, case_ids: Iterable[int], end: datetime.datetime
) -> dict[int, CaseState]:
    """Cases (in the user's scope) as of ``end``, by id."""
    ids = set(case_ids)
    if not ids:
        return {}
    rows = (
        latest_rows(HCase, end)
        .filter(id__in=ids)
        .filter(jurisdiction_filter(user, "jurisdiction"))
        .values_list(
            "id",
            "reference",
            "title",
            "kind",
            "status",
            "disposition",
            "deadline",
            "department_id",
            "jurisdiction_id",
        )
    )
    return {row[0]: CaseState(*row) for row in rows}


def _names(model: type[models.Model], ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {obj.pk: str(obj) for obj in model._default_manager.filter(pk__in=wanted)}


# --- firm ---------------------------------------------------------------------------------


@dataclass
class PostRow:
    """One official's post as recorded at the as-of date, with its case's outcome then."""

    record: Any  # HistoricalOfficialPost
    case: CaseState
    active: bool  # held on the as-of date according to held_from/held_to
    firm_name: str = ""


def _post_rows(
    records: Iterable, states: dict[int, CaseState], day: datetime.date, firm_names=None
) -> list[PostRow]:
    result = []
    for rec in records:
        state = states.get(rec.case_id)
        if state is None:
            continue  # case outside the user's scope (or not yet registered)
        active = (rec.held_from is None or rec.held_from <= day) and (
            rec.held_to is None or rec.held_to >= day
        )
        result.append(
            PostRow(
                record=rec,
                case=state,
                active=active,
                firm_name=(firm_names or {}).get(rec.firm_id, rec.firm_name),
            )
        )
    result.sort(key=lambda r: (not r.active, r.record.person_name, r.case.reference))
    return result


def _affiliation_key(row) -> tuple:
    return (row.supervising_agency_id, row.affiliation_type)


def firm_supervision(*, firm: IntermediaryFirm, user: User, day: datetime.date) -> dict[str, Any]:
    """Everything an inspector needs about one firm as of ``day`` (the firm is already scoped)."""
    end = end_of_day(day)
    rows = list(
        firm.history.filter(history_date__lt=end)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    state = rows[-1] if rows and rows[-1].history_type != "-" else None

    affiliations = periods(rows, _affiliation_key)
    agency_names = _names(Department, (p.value[0] for p in affiliations))
    affiliation_labels = dict(AffiliationType.choices)
    for p in affiliations:
        p.labels = {
            "agency": agency_names.get(p.value[0], ""),
            "type": affiliation_labels.get(p.value[1], p.value[1]),
        }
    credit = periods(rows, lambda r: (r.credit_grade, r.on_dishonesty_list))
    ties = periods(rows, lambda r: (r.shares_staff_with_agency, r.shares_premises_with_agency))

    decouplings = list(
        latest_rows(HDecoupling, end)
        .filter(Q(firm_id=firm.pk) | Q(new_firm_id=firm.pk))
        .order_by("-case_id")
    )
    items = list(latest_rows(HItem, end).filter(provider_firm_id=firm.pk).order_by("name", "id"))
    posts = list(latest_rows(HPost, end).filter(firm_id=firm.pk).order_by("person_name", "id"))
    states = case_states(user, [r.case_id for r in (*decouplings, *items, *posts)], end)

    approvals: dict[int, list] = {}
    for snap in ItemApprovalSnapshot.objects.filter(
        history_id__in=[i.history_id for i in items]
    ).select_related("approvalitem__department"):
        approvals.setdefault(snap.history_id, []).append(snap.approvalitem)
    dept_names = _names(
        Department,
        [s.department_id for s in states.values()] + [d.agency_id for d in decouplings],
    )
    firm_names = _names(
        IntermediaryFirm, [d.firm_id for d in decouplings] + [d.new_firm_id for d in decouplings]
    )

    item_rows = [
        {
            "record": rec,
            "case": states[rec.case_id],
            "department": dept_names.get(states[rec.case_id].department_id, ""),
            "approval_items": approvals.get(rec.history_id, []),
        }
        for rec in items
        if rec.case_id in states
    ]
    decoupling_rows = [
        {
            "record": rec,
            "case": states[rec.case_id],
            "agency": dept_names.get(rec.agency_id, ""),
            "affiliation_type": affiliation_labels.get(rec.affiliation_type, rec.affiliation_type),
            "firm": firm_names.get(rec.firm_id, ""),
            "new_firm": firm_names.get(rec.new_firm_id, ""),
            "role": _("原机构") if rec.firm_id == firm.pk else _("改制后机构"),
        }
        for rec in decouplings
        if rec.case_id in states
    ]
    post_rows = _post_rows(posts, states, day)
    return {
        "firm": firm,
        "state": state,
        "day": day,
        "affiliations": affiliations,
        "credit": credit,
        "ties": ties,
        "decouplings": decoupling_rows,
        "items": item_rows,
        "posts": post_rows,
        "post_dispositions": dict(PostDisposition.choices),
    }


# --- agency -------------------------------------------------------------------------------


@dataclass
class AffiliatedFirm:
    """One firm and the stretches of time it was affiliated with the agency."""

    firm_id: int
    name: str
    credit_code: str
    periods: list[Period]
    current: bool  # affiliated at the as-of date
    affiliation_type: str = ""


def _employing_unit_names(department: Department) -> list[str]:
    return [n for n in {department.name.strip(), (department.short_name or "").strip()} if n]


def agency_supervision(*, department: Department, user: User, day: datetime.date) -> dict[str, Any]:
    """Firms affiliated with an agency over time, and its officials recorded in firms, as of ``day``.

    Officials are linked to the agency by their employing unit's name (or short name), in cases
    of the agency's jurisdiction subtree: the register stores the unit as text.
    """
    end = end_of_day(day)
    scoped_firm_rows = HFirm.objects.filter(history_date__lt=end).filter(
        jurisdiction_filter(user, "jurisdiction")
    )
    firm_ids = set(
        scoped_firm_rows.filter(supervising_agency_id=department.pk).values_list("id", flat=True)
    )
    by_firm: dict[int, list] = {}
    for row in scoped_firm_rows.filter(id__in=firm_ids).order_by("history_date", "history_id"):
        by_firm.setdefault(row.id, []).append(row)
    affiliation_labels = dict(AffiliationType.choices)
    firms: list[AffiliatedFirm] = []
    for firm_id, rows in by_firm.items():
        spans = [p for p in periods(rows, _affiliation_key) if p.value[0] == department.pk]
        last = rows[-1]
        current = last.history_type != "-" and last.supervising_agency_id == department.pk
        for p in spans:
            p.labels = {"type": affiliation_labels.get(p.value[1], p.value[1])}
        firms.append(
            AffiliatedFirm(
                firm_id=firm_id,
                name=last.name,
                credit_code=last.credit_code or "",
                periods=spans,
                current=current,
                affiliation_type=affiliation_labels.get(last.affiliation_type, "")
                if current
                else "",
            )
        )
    firms.sort(key=lambda f: (not f.current, f.name))

    decouplings = list(latest_rows(HDecoupling, end).filter(agency_id=department.pk))
    names = _employing_unit_names(department)
    subtree = Jurisdiction.objects.filter(path__startswith=department.jurisdiction.path).values(
        "pk"
    )
    officials = list(
        latest_rows(HPost, end)
        .filter(
            Q(employing_department_id=department.pk) | Q(employing_unit__in=names),
            case__jurisdiction__in=subtree,
        )
        .order_by("person_name", "id")
    )
    current_firm_ids = [f.firm_id for f in firms if f.current]
    posts_at_affiliated = list(
        latest_rows(HPost, end).filter(firm_id__in=current_firm_ids).order_by("person_name", "id")
    )
    states = case_states(
        user,
        [r.case_id for r in (*decouplings, *officials, *posts_at_affiliated)],
        end,
    )
    firm_names = _names(
        IntermediaryFirm,
        [r.firm_id for r in (*officials, *posts_at_affiliated)] + [d.firm_id for d in decouplings],
    )
    decoupling_rows = [
        {
            "record": rec,
            "case": states[rec.case_id],
            "firm": firm_names.get(rec.firm_id, ""),
            "affiliation_type": affiliation_labels.get(rec.affiliation_type, rec.affiliation_type),
        }
        for rec in decouplings
        if rec.case_id in states
    ]
    return {
        "department": department,
        "day": day,
        "firms": firms,
        "decouplings": decoupling_rows,
        "officials": _post_rows(officials, states, day, firm_names),
        "posts_at_affiliated": _post_rows(posts_at_affiliated, states, day, firm_names),
        "unit_names": names,
    }


# --- index and scoping --------------------------------------------------------------------


def departments_for(user: User) -> models.QuerySet[Department]:
    """Departments of the user's jurisdiction subtree."""
    return Department.objects.filter(jurisdiction__in=jurisdictions_for(user)).select_related(
        "jurisdiction"
    )


def supervision_index(user: User, q: str = "") -> dict[str, Any]:
    """Firms and agencies to open: matching ``q``, or those with affiliations on record now."""
    from intermediaries.selectors import firms_for

    q = q.strip()
    firms = firms_for(user)
    departments = departments_for(user).annotate(
        affiliated=Count("affiliated_firms", distinct=True)
    )
    if q:
        firms = firms.filter(
            Q(name__icontains=q) | Q(former_names__icontains=q) | Q(credit_code__icontains=q)
        )
        departments = departments.filter(Q(name__icontains=q) | Q(short_name__icontains=q))
    else:
        firms = firms.filter(supervising_agency__isnull=False)
        departments = departments.filter(affiliated__gt=0)
    return {
        "q": q,
        "firms": list(firms.order_by("name", "id")[:INDEX_LIMIT]),
        "departments": list(departments.order_by("jurisdiction__code", "name")[:INDEX_LIMIT]),
        "limit": INDEX_LIMIT,
    }


def log_supervision_view(
    *, user: User, target: str, reference: str, day: datetime.date, rows: int
) -> None:
    """Supervision pages show officials' names: every view is recorded in the access log."""
    access_log_record(
        user=user,
        action=AccessLog.Action.VIEW,
        target=target,
        reference=reference,
        query=f"as_of={day.isoformat()}",
        row_count=rows,
    )
