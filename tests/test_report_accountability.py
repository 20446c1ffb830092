"""Withdrawn cases stay in the monthly report (approved withdrawals by category, per kind and
place) and a decision replaced by a re-decision stays on record in the month it was replaced
(issue "Decisions that stay true"). Both are bounded by the report's instant."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from pypdf import PdfReader

from tests.factories import make_case, withdraw
from tests.test_workflow import walk_to
from tracker.cases.services import Decision, case_transition
from tracker.cases.workflow import Status
from tracker.reports.figures import build_report_figures, table_by_key
from tracker.reports.pdf import build_report_pdf

pytestmark = pytest.mark.django_db
TZ = datetime.timezone(datetime.timedelta(hours=8))
OCT = datetime.datetime(2026, 10, 12, 10, tzinfo=TZ)
NOV = datetime.datetime(2026, 11, 16, 10, tzinfo=TZ)
DEC = datetime.datetime(2026, 12, 3, 10, tzinfo=TZ)


@pytest.fixture
def month(alice, bob, carol, county_a, county_b, dept_a):
    with time_machine.travel(OCT, tick=False):
        original = make_case("item", county_a, alice, department=dept_a)
        repeat = make_case("item", county_a, alice, department=dept_a)
        outside = make_case("fee", county_a, alice)
        other = make_case("item", county_b, bob)
        decided = walk_to(
            make_case("item", county_a, alice, department=dept_a), "in_progress", carol
        )
    with time_machine.travel(NOV, tick=False):
        withdraw(
            repeat, alice, category="duplicate", duplicate_of=original.reference, reason="重复登记"
        )
        withdraw(
            outside, alice, category="out_of_scope", basis="清理工作方案第二条", reason="不属于范围"
        )
        withdraw(other, bob, reason="登记错误")
        case_transition(
            case=decided,
            to=Status.DECIDED,
            by=carol,
            reason="回头看：复核后改为取消",
            decision=Decision("cancel", "甲改办〔2026〕30号", NOV.date()),
        )
    return decided


def test_november_lists_withdrawals_by_category_and_the_superseded_decision(month, city):
    with time_machine.travel(DEC, tick=False):
        figures = build_report_figures(city, "2026-11")
    rows = {(r["kind"], r["place"]): r for r in figures["withdrawals"]}
    item_a = rows[("中介服务事项", "甲区")]
    assert (item_a["duplicate"], item_a["out_of_scope"], item_a["error"], item_a["total"]) == (
        1,
        0,
        0,
        1,
    )
    assert rows[("收费项目", "甲区")]["out_of_scope"] == 1
    assert rows[("中介服务事项", "乙区")]["error"] == 1
    [redecided] = figures["redecisions"]
    assert redecided["reference"] == month.reference
    assert "甲改办〔2026〕1号" in redecided["old"] and "甲改办〔2026〕30号" in redecided["new"]
    table = table_by_key(figures, "withdrawals")
    assert table.total[-1] == 3
    with time_machine.travel(DEC, tick=False):
        text = "\n".join(
            p.extract_text() for p in PdfReader(io.BytesIO(build_report_pdf(figures))).pages
        )
    assert "附：已撤回事项（按撤回类别）" in text and "附：本月回头看重新决定" in text
    assert month.reference in text


def test_october_knows_nothing_of_november(month, city):
    with time_machine.travel(DEC, tick=False):
        figures = build_report_figures(city, "2026-10")
    assert figures["withdrawals"] == [] and figures["redecisions"] == []


def test_a_county_report_sees_its_own_county_only(month, county_b):
    with time_machine.travel(DEC, tick=False):
        figures = build_report_figures(county_b, "2026-11")
    assert [(r["kind"], r["error"]) for r in figures["withdrawals"]] == [("中介服务事项", 1)]
    assert figures["redecisions"] == []


def test_a_report_frozen_before_these_figures_still_renders(month, city):
    with time_machine.travel(DEC, tick=False):
        figures = build_report_figures(city, "2026-11")
        del figures["withdrawals"], figures["redecisions"]
        assert table_by_key(figures, "withdrawals") is None
        assert build_report_pdf(figures)[:5] == b"%PDF-"


def test_a_withdrawal_made_before_requests_existed_counts_as_legacy(month, city, alice, county_a):
    from tracker.models import Case

    with time_machine.travel(NOV, tick=False):
        legacy = make_case("fee", county_a, alice)
    # A database carried over from before withdrawal requests: withdrawn, no request behind it.
    with time_machine.travel(NOV, tick=False):
        legacy = Case.objects.get(pk=legacy.pk)
        legacy.status = Status.WITHDRAWN
        legacy._change_reason = "撤回（早期版本，无撤回申请）"
        legacy.save()
    with time_machine.travel(DEC, tick=False):
        figures = build_report_figures(city, "2026-11")
    rows = {(r["kind"], r["place"]): r for r in figures["withdrawals"]}
    fee_a = rows[("收费项目", "甲区")]
    assert (fee_a["out_of_scope"], fee_a["legacy"], fee_a["total"]) == (1, 1, 2)
    assert rows[("中介服务事项", "甲区")]["legacy"] == 0  # its one withdrawal has a request
    table = table_by_key(figures, "withdrawals")
    assert "早期撤回（未分类）" in table.headers and table.total[-1] == 4
