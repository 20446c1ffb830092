"""One agency as of a date: the firms affiliated with it over time, its decoupling cases, its
officials recorded in firms and the posts held at the firms affiliated with it now."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from intermediaries.models import (
    AffiliationType,
    IntermediaryFirm,
)
from intermediaries.supervision.history import (
    HDecoupling,
    HFirm,
    HPost,
    Period,
    _affiliation_key,
    end_of_day,
    latest_rows,
    periods,
)
from intermediaries.supervision.states import CaseState, _names, _post_rows, case_states
from tracker.cases.scoping import jurisdiction_filter
from tracker.models import Department, Jurisdiction, User


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


def _affiliated_firms(
    department: Department, user: User, end: datetime.datetime
) -> list[AffiliatedFirm]:
    """Firms in the user's scope ever recorded as affiliated with the agency before ``end``,
    each with its affiliation periods; currently affiliated firms first."""
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
    return firms


def _agency_officials(department: Department, names: list[str], end: datetime.datetime) -> list:
    """Officials' posts whose employing unit is the agency (by id or by name), in cases of the
    agency's jurisdiction subtree."""
    subtree = Jurisdiction.objects.filter(path__startswith=department.jurisdiction.path).values(
        "pk"
    )
    return list(
        latest_rows(HPost, end)
        .filter(
            Q(employing_department_id=department.pk) | Q(employing_unit__in=names),
            case__jurisdiction__in=subtree,
        )
        .order_by("person_name", "id")
    )


def _agency_decoupling_rows(
    decouplings: list, states: dict[int, CaseState], firm_names: dict[int, str]
) -> list[dict[str, Any]]:
    affiliation_labels = dict(AffiliationType.choices)
    return [
        {
            "record": rec,
            "case": states[rec.case_id],
            "firm": firm_names.get(rec.firm_id, ""),
            "affiliation_type": affiliation_labels.get(rec.affiliation_type, rec.affiliation_type),
        }
        for rec in decouplings
        if rec.case_id in states
    ]


def agency_supervision(*, department: Department, user: User, day: datetime.date) -> dict[str, Any]:
    """Firms affiliated with an agency over time, and its officials recorded in firms, as of ``day``.

    Officials are linked to the agency by their employing unit's name (or short name), in cases
    of the agency's jurisdiction subtree: the register stores the unit as text.
    """
    end = end_of_day(day)
    firms = _affiliated_firms(department, user, end)
    decouplings = list(latest_rows(HDecoupling, end).filter(agency_id=department.pk))
    names = _employing_unit_names(department)
    officials = _agency_officials(department, names, end)
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
    return {
        "department": department,
        "day": day,
        "firms": firms,
        "decouplings": _agency_decoupling_rows(decouplings, states, firm_names),
        "officials": _post_rows(officials, states, day, firm_names),
        "posts_at_affiliated": _post_rows(posts_at_affiliated, states, day, firm_names),
        "unit_names": names,
    }
