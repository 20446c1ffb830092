"""Reading the register's history: the history models, the as-of date and its bound, the
latest history row of each object before it, and periods of constant value from history rows."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from intermediaries.models import (
    DecouplingCase,
    IntermediaryFirm,
    IntermediaryItem,
    OfficialPost,
)
from tracker.audit import asof
from tracker.models import Case

HFirm = IntermediaryFirm.history.model
HItem = IntermediaryItem.history.model
HDecoupling = DecouplingCase.history.model
HPost = OfficialPost.history.model
HCase = Case.history.model
ItemApprovalSnapshot = HItem._meta.get_field(
    "historicalintermediaryitem_approval_items"
).related_model


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


def _affiliation_key(row) -> tuple:
    return (row.supervising_agency_id, row.affiliation_type)
