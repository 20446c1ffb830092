"""One firm as of a date: its affiliations, credit and ties over time, and the decoupling cases,
items and officials' posts the register then recorded for it."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from intermediaries.models import (
    AffiliationType,
    IntermediaryFirm,
    PostDisposition,
)
from intermediaries.supervision.history import (
    HDecoupling,
    HItem,
    HPost,
    ItemApprovalSnapshot,
    Period,
    _affiliation_key,
    end_of_day,
    latest_rows,
    periods,
)
from intermediaries.supervision.states import CaseState, _names, _post_rows, case_states
from tracker.models import Department, User


def _firm_affiliations(rows: list) -> list[Period]:
    """The firm's affiliation periods, labelled with the agency's name and the affiliation type."""
    affiliations = periods(rows, _affiliation_key)
    agency_names = _names(Department, (p.value[0] for p in affiliations))
    affiliation_labels = dict(AffiliationType.choices)
    for p in affiliations:
        p.labels = {
            "agency": agency_names.get(p.value[0], ""),
            "type": affiliation_labels.get(p.value[1], p.value[1]),
        }
    return affiliations


def _firm_records(firm: IntermediaryFirm, end: datetime.datetime) -> tuple[list, list, list]:
    """The decoupling cases, items and officials' posts recorded for the firm before ``end``."""
    decouplings = list(
        latest_rows(HDecoupling, end)
        .filter(Q(firm_id=firm.pk) | Q(new_firm_id=firm.pk))
        .order_by("-case_id")
    )
    items = list(latest_rows(HItem, end).filter(provider_firm_id=firm.pk).order_by("name", "id"))
    posts = list(latest_rows(HPost, end).filter(firm_id=firm.pk).order_by("person_name", "id"))
    return decouplings, items, posts


def _item_approvals(items: list) -> dict[int, list]:
    """The approval items each item's history row recorded, by history id."""
    approvals: dict[int, list] = {}
    for snap in ItemApprovalSnapshot.objects.filter(
        history_id__in=[i.history_id for i in items]
    ).select_related("approvalitem__department"):
        approvals.setdefault(snap.history_id, []).append(snap.approvalitem)
    return approvals


def _firm_item_rows(
    items: list, states: dict[int, CaseState], dept_names: dict[int, str], approvals: dict
) -> list[dict[str, Any]]:
    return [
        {
            "record": rec,
            "case": states[rec.case_id],
            "department": dept_names.get(states[rec.case_id].department_id, ""),
            "approval_items": approvals.get(rec.history_id, []),
        }
        for rec in items
        if rec.case_id in states
    ]


def _firm_decoupling_rows(
    firm: IntermediaryFirm, decouplings: list, states: dict[int, CaseState], dept_names: dict
) -> list[dict[str, Any]]:
    firm_names = _names(
        IntermediaryFirm, [d.firm_id for d in decouplings] + [d.new_firm_id for d in decouplings]
    )
    affiliation_labels = dict(AffiliationType.choices)
    return [
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


def firm_supervision(*, firm: IntermediaryFirm, user: User, day: datetime.date) -> dict[str, Any]:
    """Everything an inspector needs about one firm as of ``day`` (the firm is already scoped)."""
    end = end_of_day(day)
    rows = list(
        firm.history.filter(history_date__lt=end)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    state = rows[-1] if rows and rows[-1].history_type != "-" else None
    affiliations = _firm_affiliations(rows)
    credit = periods(rows, lambda r: (r.credit_grade, r.on_dishonesty_list))
    ties = periods(rows, lambda r: (r.shares_staff_with_agency, r.shares_premises_with_agency))
    decouplings, items, posts = _firm_records(firm, end)
    states = case_states(user, [r.case_id for r in (*decouplings, *items, *posts)], end)
    approvals = _item_approvals(items)
    dept_names = _names(
        Department,
        [s.department_id for s in states.values()] + [d.agency_id for d in decouplings],
    )
    return {
        "firm": firm,
        "state": state,
        "day": day,
        "affiliations": affiliations,
        "credit": credit,
        "ties": ties,
        "decouplings": _firm_decoupling_rows(firm, decouplings, states, dept_names),
        "items": _firm_item_rows(items, states, dept_names, approvals),
        "posts": _post_rows(posts, states, day),
        "post_dispositions": dict(PostDisposition.choices),
    }
