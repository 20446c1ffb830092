"""Abnormal list and black list: entry by rule or by decision, notice, exit after the repair
period or on appeal; a listed firm named as provider of an item raises a red flag."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from intermediaries.credit import scoring, services
from intermediaries.credit.models import EntryBasis, ExitBasis, ListEntry, ListType
from tests.credit.conftest import publish_rule
from tests.factories import make_case
from tracker.models import Case
from tracker.redflags import rules

D = datetime.date


def at(day: D):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, 10), tick=False)


def penalty(firm, kinds, day, by, n=1):
    return [
        services.record_add(
            firm=firm,
            kind=kinds["penalty"],
            effective_date=day,
            by=by,
            reason="行政处罚",
            doc_no=f"甲罚〔2026〕{day.month}{i}号",
            evidence="处罚决定书",
        )
        for i in range(n)
    ]


def enter(firm, by, day, basis, list_type=ListType.ABNORMAL, no="甲信列〔2026〕1号"):
    return services.list_enter(
        firm=firm,
        list_type=list_type,
        basis=basis,
        decision_no=no,
        decision_date=day,
        reason="信用评价得分低于分数线",
        evidence="信用评价结果",
        by=by,
    )


@pytest.fixture
def rule(carol, kinds):
    with at(D(2026, 1, 1)):
        return publish_rule(carol, effective_from=D(2026, 1, 1))


def test_entry_and_exit_by_rule(alice, firm_a, kinds, rule):
    with at(D(2026, 2, 1)):
        records = penalty(firm_a, kinds, D(2026, 1, 10), alice)
        with pytest.raises(ValidationError) as exc:
            enter(firm_a, alice, D(2026, 2, 1), EntryBasis.RULE_SCORE)
        assert "不满足" in str(exc.value)
        records += penalty(firm_a, kinds, D(2026, 1, 20), alice, n=2)
        assert scoring.firm_grade(firm_a.pk, D(2026, 2, 1)).score == 40
        entry = enter(firm_a, alice, D(2026, 2, 1), EntryBasis.RULE_SCORE)
        assert entry.rule == rule and entry.repair_until == D(2026, 7, 31)
        with pytest.raises(ValidationError):  # once on a list, not twice
            enter(firm_a, alice, D(2026, 2, 1), EntryBasis.DECISION)
        services.list_notice(
            entry=entry, notice_date=D(2026, 2, 1), method="邮寄送达，回执编号 001", by=alice
        )
    with at(D(2026, 3, 1)), pytest.raises(ValidationError) as exc:
        services.list_exit(
            entry=entry, basis=ExitBasis.REPAIR, decision_no="甲信移〔2026〕1号",
            exit_date=D(2026, 3, 1), reason="申请信用修复", by=alice,
        )  # fmt: skip
    assert "修复期" in str(exc.value)
    with at(D(2026, 9, 1)):
        with pytest.raises(ValidationError) as exc:
            services.list_exit(
                entry=entry, basis=ExitBasis.REPAIR, decision_no="甲信移〔2026〕1号",
                exit_date=D(2026, 9, 1), reason="申请信用修复", by=alice,
            )  # fmt: skip
        assert "仍满足列入条件" in str(exc.value)
        for r in records[1:]:
            services.record_correct(
                record=r, by=alice, reason="处罚决定被撤销", kind=kinds["void"],
                effective_date=r.effective_date, doc_no="甲复决〔2026〕3号",
            )  # fmt: skip
        entry = services.list_exit(
            entry=entry, basis=ExitBasis.REPAIR, decision_no="甲信移〔2026〕1号",
            exit_date=D(2026, 9, 1), reason="修复期满且不再符合列入条件", by=alice,
        )  # fmt: skip
    assert entry.exited_on == D(2026, 9, 1) and entry.exit_basis == ExitBasis.REPAIR
    assert [h.history_change_reason for h in entry.history.order_by("history_id")][-1] == (
        "修复期满且不再符合列入条件"
    )
    assert not entry.on_list(D(2026, 9, 1)) and entry.on_list(D(2026, 8, 31))


def test_black_list_by_record_kind(alice, firm_a, kinds, rule):
    with at(D(2026, 2, 1)):
        judgment = services.record_add(
            firm=firm_a, kind=kinds["judgment"], effective_date=D(2026, 1, 15), by=alice,
            reason="法院判决", doc_no="(2026)甲行初12号", evidence="判决书",
        )  # fmt: skip
        grade = scoring.firm_grade(firm_a.pk, D(2026, 2, 1))
        assert (ListType.BLACK, EntryBasis.RULE_KIND, judgment.pk) in grade.triggers
        entry = enter(firm_a, alice, D(2026, 2, 1), EntryBasis.RULE_KIND, ListType.BLACK)
    assert entry.trigger_record == judgment


def test_entry_by_decision_and_exit_on_appeal(alice, bob, firm_a, kinds, rule):
    with at(D(2026, 2, 1)):
        with pytest.raises(ValidationError):
            services.list_enter(
                firm=firm_a, list_type=ListType.BLACK, basis=EntryBasis.DECISION, decision_no="",
                decision_date=D(2026, 2, 1), reason="严重失信", evidence="x", by=alice,
            )  # fmt: skip
        entry = enter(firm_a, alice, D(2026, 2, 1), EntryBasis.DECISION, ListType.BLACK)
    with at(D(2026, 2, 20)):
        with pytest.raises(ValidationError):  # an exit needs its decision number
            services.list_exit(
                entry=entry, basis=ExitBasis.APPEAL, decision_no="", exit_date=D(2026, 2, 20),
                reason="复议撤销", by=alice,
            )  # fmt: skip
        entry = services.list_exit(
            entry=entry, basis=ExitBasis.APPEAL, decision_no="甲复决〔2026〕5号",
            exit_date=D(2026, 2, 20), reason="行政复议撤销列入决定", by=alice,
        )  # fmt: skip
    assert entry.exit_decision_no == "甲复决〔2026〕5号"
    assert ListEntry.objects.get().exited_on == D(2026, 2, 20)


def test_listed_provider_raises_a_red_flag(alice, client_as, county_a, dept_a, firm_a, kinds):
    case = make_case("item", county_a, alice, department=dept_a, provider_firm=firm_a)
    other = make_case("item", county_a, alice, department=dept_a)
    assert "item_provider_listed" not in {f.code for f in rules.flags_for_case(case)}
    entry = enter(firm_a, alice, datetime.date.today(), EntryBasis.DECISION, ListType.BLACK)
    flags = {f.code: f for f in rules.flags_for_case(case)}
    assert "甲信列〔2026〕1号" in flags["item_provider_listed"].message
    flagged = rules.cases_with_red_flags(Case.objects.all(), "item_provider_listed")
    assert list(flagged) == [case] and other not in flagged
    page = client_as(alice).get(reverse("tracker:case_detail", args=[case.reference]))
    assert "实施机构列入经营异常名录或黑名单" in page.content.decode()
    firm_page = client_as(alice).get(reverse("intermediaries:firm_detail", args=[firm_a.pk]))
    assert (
        "黑名单" in firm_page.content.decode() and "甲信列〔2026〕1号" in firm_page.content.decode()
    )
    services.list_exit(
        entry=entry, basis=ExitBasis.DECISION, decision_no="甲信移〔2026〕2号",
        exit_date=datetime.date.today(), reason="决定移出", by=alice,
    )  # fmt: skip
    assert "item_provider_listed" not in {f.code for f in rules.flags_for_case(case)}
    assert not rules.cases_with_red_flags(Case.objects.all(), "item_provider_listed").exists()
