"""The report month: its bounds in history, parsing, and the report's constants."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracker.audit import asof
from tracker.cases import workflow
from tracker.cases.workflow import OPEN_STATUSES

FIGURES_VERSION = 1
ZERO = Decimal("0")
REPORT_WORK_MEM = "128MB"  # PostgreSQL, for the report's transaction only
DETAIL_LIMIT = 300  # milestones due next month listed on the page and in the PDF
REPORT_LANGUAGE = "zh-hans"
REPORT_TITLE = gettext_lazy("中介服务和收费清理工作进展月报")

# The workflow's groupings as plain values, in a fixed order (they are written into SQL).
DONE_STATUSES = tuple(sorted(s.value for s in workflow.DONE_STATUSES))
OPEN_VALUES = tuple(sorted(s.value for s in OPEN_STATUSES))
REVIEWED_STATUSES = tuple(sorted(s.value for s in workflow.DECIDED_STATUSES))

MONTH_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


# --- months --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """One report month: its dates and the exclusive instants that bound history."""

    start: datetime.date  # first day of the month
    end: datetime.date  # last day of the month
    next_start: datetime.datetime  # first instant of the next month (exclusive bound)
    prev_next: datetime.datetime  # first instant of this month (= end of previous month)
    next_month_start: datetime.date
    next_month_end: datetime.date

    @property
    def key(self) -> str:
        return f"{self.start:%Y-%m}"

    @property
    def label(self) -> str:
        return _("%(y)d年%(m)d月") % {"y": self.start.year, "m": self.start.month}

    def has_ended(self, now: datetime.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.next_start


_first_of_next = asof.first_of_next_month
_local_midnight = asof.local_midnight  # history "as of" bounds come from tracker.audit.asof


def period_for(month: datetime.date) -> Period:
    start = month.replace(day=1)
    nxt = _first_of_next(start)
    after = _first_of_next(nxt)
    return Period(
        start=start,
        end=nxt - datetime.timedelta(days=1),
        next_start=asof.bound_of_month(start),
        prev_next=asof.bound_of_day(start - datetime.timedelta(days=1)),
        next_month_start=nxt,
        next_month_end=after - datetime.timedelta(days=1),
    )


def parse_month(value: Any, *, today: datetime.date | None = None) -> datetime.date:
    """'2026-11' (or a date) → the first day of that month; malformed or future → ValidationError."""
    if isinstance(value, datetime.date):
        month = value.replace(day=1)
    else:
        m = MONTH_RE.match(str(value or ""))
        if not m:
            raise ValidationError(
                _("月份格式不正确：“%(v)s”，应为 YYYY-MM，例如 2026-11。") % {"v": value}
            )
        year, mon = int(m.group(1)), int(m.group(2))
        if not (1 <= mon <= 12) or year < 2000:
            raise ValidationError(_("月份不存在：“%(v)s”。") % {"v": value})
        month = datetime.date(year, mon, 1)
    today = today or timezone.localdate()
    if month > today.replace(day=1):
        raise ValidationError(_("不能生成未来月份（%(m)s）的月报。") % {"m": f"{month:%Y-%m}"})
    return month
