"""A kind registered by a test-only app appears in the dashboard, the list, the report and the
import, with no change to the core (run by tests/test_fifth_kind.py in its own process)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.test_import_support import preview, run_import, xlsx_bytes
from tracker.cases import services
from tracker.cases.registry import get_kind
from tracker.models import Case
from tracker.reports.figures import build_report_figures

pytestmark = pytest.mark.django_db


@pytest.fixture
def permit_case(alice, county_a, dept_a):
    return services.case_create(
        kind=get_kind("permit"),
        jurisdiction=county_a,
        by=alice,
        case_fields={"department": dept_a},
        subject_fields={"name": "临时占道许可", "issuer": "城管局"},
    )


def test_registered_and_walked_through_the_workflow(permit_case, alice):
    assert permit_case.reference.startswith(f"{permit_case.jurisdiction.code}-PMT-")
    assert [m.code for m in permit_case.milestones.order_by("order")] == ["check", "publish"]
    case = services.case_transition(case=permit_case, to="under_review", by=alice, reason="核查")
    assert case.status == "under_review"


def test_in_the_dashboard_and_the_list(client_as, alice, permit_case):
    client = client_as(alice)
    dashboard = client.get("/")
    assert dashboard.status_code == 200 and "许可事项" in dashboard.content.decode()
    listing = client.get("/cases/?kind=permit")
    assert listing.status_code == 200 and "临时占道许可" in listing.content.decode()
    detail = client.get(f"/cases/{permit_case.reference}/")
    assert detail.status_code == 200 and "城管局" in detail.content.decode()


def test_in_the_monthly_report(permit_case, county_a):
    month = timezone.localdate().replace(day=1)
    figures = build_report_figures(county_a, month, today=timezone.localdate())
    assert "许可事项" in repr(figures)


def test_imported_from_a_spreadsheet(alice, county_a, dept_a):
    data = xlsx_bytes(
        [["许可名称", "发证单位", "责任部门"], ["户外广告许可", "城管局", dept_a.name]]
    )
    report = preview(data, alice, county_a, kind="permit")
    assert report.ok, report.errors
    run_import(data, alice, county_a, kind="permit")
    assert Case.objects.filter(kind="permit", title="户外广告许可").exists()
