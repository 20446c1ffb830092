"""The case list's fast paths (cells and body rows written by CaseTable itself) render the
same table as django-tables2's own machinery: every page, sorted, filtered, empty."""

from __future__ import annotations

import datetime

import django_tables2 as tables
import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.html import parse_html
from django_tables2 import RequestConfig

from tests.factories import make_case
from tracker.cases import selectors, services
from tracker.cases.tables import CaseTable
from tracker.cases.workflow import Status


class PlainCaseTable(CaseTable):
    """CaseTable rendered by django-tables2 alone: its BoundRows, the template's loop."""

    paginated_rows = tables.Table.paginated_rows

    class Meta(CaseTable.Meta):
        pass

    def body_html(self):
        return None


@pytest.fixture
def cases(alice, county_a, dept_a):
    made = []
    for i in range(30):
        case = make_case(
            "item" if i % 3 else "fee",
            county_a,
            alice,
            department=dept_a if i % 2 else None,
            owner=alice if i % 4 else None,
            registered_on=datetime.date(2019, 12, 1),
            deadline=datetime.date(2020, 1, 1) + datetime.timedelta(days=100 * i),
        )
        if i % 5 == 0:
            services.case_transition(case=case, to=Status.UNDER_REVIEW, by=alice, reason="核查")
        made.append(case)
    return made


def render(table_class, user, query: dict) -> str:
    request = RequestFactory().get("/cases/", query)
    request.user = user
    qs = selectors.case_list(user)
    if "kind" in query:
        qs = qs.filter(kind=query["kind"])
    table = table_class(qs)
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    return render_to_string("tracker/_table.html", {"table": table, "request": request})


@pytest.mark.parametrize(
    "query",
    [{}, {"page": 2}, {"sort": "deadline"}, {"sort": "-owner"}, {"kind": "fee"}, {"kind": "firm"}],
)
def test_fast_rendering_is_django_tables2s(cases, alice, query):
    fast = render(CaseTable, alice, query)
    plain = render(PlainCaseTable, alice, query)
    assert parse_html(fast) == parse_html(plain)
    assert ("逾期" in fast) == ("逾期" in plain)
