"""One boundary for "as of": a row at the moment counts, one microsecond later does not; a day
and a month are read at their last local instant; report, timeline and supervision agree."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from intermediaries import supervision
from tests.factories import make_case
from tracker.audit import asof, timeline
from tracker.cases import services
from tracker.models import Case
from tracker.reports.figures import period_for

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_moment_bound_includes_the_moment_only():
    at = datetime.datetime(2026, 6, 30, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    bound = asof.bound_of_moment(at)
    assert at < bound and not (at + datetime.timedelta(microseconds=1) < bound)


def test_day_bound_is_the_next_local_midnight():
    bound = asof.bound_of_day(datetime.date(2026, 6, 30))
    assert bound == datetime.datetime(2026, 7, 1, tzinfo=SHANGHAI)
    assert bound.astimezone(datetime.UTC) == datetime.datetime(2026, 6, 30, 16, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("month", "bound"),
    [
        (datetime.date(2026, 2, 14), datetime.datetime(2026, 3, 1, tzinfo=SHANGHAI)),
        (datetime.date(2026, 12, 1), datetime.datetime(2027, 1, 1, tzinfo=SHANGHAI)),
    ],
)
def test_month_bound(month, bound):
    assert asof.bound_of_month(month) == bound


def test_report_timeline_and_supervision_use_the_same_bound():
    period = period_for(datetime.date(2026, 11, 1))
    assert period.next_start == asof.bound_of_day(datetime.date(2026, 11, 30))
    assert period.prev_next == asof.bound_of_day(datetime.date(2026, 10, 31))
    assert supervision.end_of_day(datetime.date(2026, 11, 30)) == period.next_start


@pytest.mark.django_db
def test_as_of_view_counts_a_change_at_the_exact_moment(alice, county_a, dept_a):
    start = datetime.datetime(2026, 11, 30, 23, 59, 59, 999000, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        case = make_case("item", county_a, alice, department=dept_a)
    later = start + datetime.timedelta(milliseconds=1)  # 2026-12-01 00:00 local
    with time_machine.travel(later, tick=False):
        services.case_update(
            case=case,
            by=alice,
            expected_version=case.version,
            case_fields={"title": "十二月改名"},
            reason="更正",
        )
    at_change = Case.history.filter(id=case.pk).latest("history_id").history_date
    assert timeline.case_state_as_of(case, at_change).case.title == "十二月改名"
    before = at_change - datetime.timedelta(microseconds=1)
    assert timeline.case_state_as_of(case, before).case.title != "十二月改名"
    # "as of 2026-11-30" (a day) ends before the December change
    day_rows = Case.history.filter(asof.as_of_day(datetime.date(2026, 11, 30)), id=case.pk)
    assert [h.title for h in day_rows] == [case.title]
