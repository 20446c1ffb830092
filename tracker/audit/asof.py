""" "As of moment T": the one definition every reader of history uses.

The boundary: the state of a record as of T is its latest history row recorded at or before T
(``history_date <= T``). Readers express it as an exclusive bound, ``history_date < bound``:

- a moment T (the as-of view, compare, review markers): ``bound = T + 1 µs`` (both databases
  keep microseconds, so "< T + 1 µs" is exactly "<= T");
- a day D (supervision "as of 2026-06-30", the end of a report month): the state at the end of D
  in local time (``settings.TIME_ZONE``), ``bound`` = local midnight at the start of D + 1;
- a month: as of its last day.

The report (SQL), the as-of view and compare (timeline), supervision and the red-flag dates ask
this module; none writes its own boundary.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q

ONE_MICROSECOND = datetime.timedelta(microseconds=1)


def local_midnight(day: datetime.date) -> datetime.datetime:
    """The first instant of ``day`` in the site's time zone."""
    return datetime.datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(settings.TIME_ZONE))


def bound_of_moment(at: datetime.datetime) -> datetime.datetime:
    """The exclusive bound for "as of the moment ``at``" (rows at ``at`` itself count)."""
    return at + ONE_MICROSECOND


def bound_of_day(day: datetime.date) -> datetime.datetime:
    """The exclusive bound for "as of the end of ``day``" (local time)."""
    return local_midnight(day + datetime.timedelta(days=1))


def first_of_next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def bound_of_month(month: datetime.date) -> datetime.datetime:
    """The exclusive bound for "as of the end of the month containing ``month``"."""
    return local_midnight(first_of_next_month(month))


def recorded_before(bound: datetime.datetime, field: str = "history_date") -> Q:
    """History rows recorded before an exclusive bound from one of the functions above."""
    return Q(**{f"{field}__lt": bound})


def as_of_moment(at: datetime.datetime, field: str = "history_date") -> Q:
    return recorded_before(bound_of_moment(at), field)


def as_of_day(day: datetime.date, field: str = "history_date") -> Q:
    return recorded_before(bound_of_day(day), field)
