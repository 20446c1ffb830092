"""Case-linked rows as of the date: case states in the user's scope, display names by id and
officials' post rows with their case's outcome then."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models

from intermediaries.supervision.history import HCase, latest_rows
from tracker.cases.registry import all_disposition_choices
from tracker.cases.scoping import jurisdiction_filter
from tracker.cases.workflow import Status
from tracker.models import User

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
