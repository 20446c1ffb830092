"""双随机 spot checks: seed hash published before the draw, reproducible draw, verify_draw,
linked inspectors never drawn, results feed credit records, overdue draws."""

from __future__ import annotations

import datetime
import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from intermediaries.credit import draw as draw_algo
from intermediaries.credit import selectors, services
from intermediaries.credit.models import (
    CandidateScope,
    CheckResult,
    CreditRecord,
    InspectorLink,
    PlanStatus,
    RecordSource,
    SpotCheckDraw,
)
from tests.factories import IntermediaryFirmFactory, UserFactory, make_case
from tracker.cases.services import tracked_save
from tracker.cases.workflow import Role

D = datetime.date


@pytest.fixture
def pool(city, county_a, county_b, dept_a, dept_b):
    firms = [
        IntermediaryFirmFactory(jurisdiction=county_a, service_categories="测绘") for _ in range(8)
    ]
    firms += [
        IntermediaryFirmFactory(jurisdiction=county_b, service_categories="评估") for _ in range(4)
    ]
    inspectors = [
        UserFactory(username=f"insp{i}", role=Role.STAFF, jurisdiction=city) for i in range(5)
    ]
    return firms, inspectors


def make_plan(carol, inspectors, **fields):
    base = {
        "name": "2026 年度中介机构双随机抽查",
        "doc_no": "测市监〔2026〕20号",
        "scope": CandidateScope.ALL,
        "firm_count": 4,
        "inspectors_per_firm": 2,
        "period_start": D(2026, 3, 1),
        "period_end": D(2026, 6, 30),
    }
    base.update(fields)
    return services.plan_create(by=carol, fields=base, inspectors=inspectors)


def test_seed_hash_before_the_draw_and_a_reproducible_draw(carol, pool):
    firms, inspectors = pool
    plan = services.plan_commit(plan=make_plan(carol, inspectors), by=carol)
    assert plan.status == PlanStatus.COMMITTED
    assert plan.seed_sha256 == hashlib.sha256(plan.seed.encode()).hexdigest()
    assert plan.candidates["firms"] == sorted(f.pk for f in firms)
    assert not plan.draws.exists()
    draws = services.plan_draw(plan=plan, by=carol)
    assert len(draws) == 4 and len({d.firm_id for d in draws}) == 4
    again = draw_algo.run(plan.seed, plan.candidates, 4, 2)
    assert [(d.firm_id, tuple(d.inspector_ids)) for d in draws] == [
        (d.firm_id, d.inspector_ids) for d in again
    ]
    plan.refresh_from_db()
    assert selectors.verify_plan(plan).ok
    out = io.StringIO()
    call_command("verify_draw", str(plan.pk), stdout=out)
    assert "verified" in out.getvalue()


def test_a_changed_candidate_list_does_not_verify(carol, pool):
    firms, inspectors = pool
    plan = services.plan_commit(plan=make_plan(carol, inspectors), by=carol)
    services.plan_draw(plan=plan, by=carol)
    plan.refresh_from_db()
    plan.candidates = {**plan.candidates, "firms": plan.candidates["firms"][:-1]}
    tracked_save(plan, by=carol, reason="篡改候选名单")
    result = selectors.verify_plan(plan)
    assert not result.ok and any("候选名单" in p for p in result.problems)
    with pytest.raises(CommandError):
        call_command("verify_draw", str(plan.pk), stdout=io.StringIO())


def test_a_changed_seed_does_not_verify(carol, pool):
    _firms, inspectors = pool
    plan = services.plan_commit(plan=make_plan(carol, inspectors), by=carol)
    services.plan_draw(plan=plan, by=carol)
    plan.refresh_from_db()
    plan.seed = "0" * 64
    tracked_save(plan, by=carol, reason="换种子")
    assert not selectors.verify_plan(plan).ok


def test_a_linked_inspector_is_never_drawn(carol, alice, county_a, dept_a, pool):
    firms, inspectors = pool
    target = firms[0]
    target.supervising_agency = dept_a
    tracked_save(target, by=carol, reason="挂靠关系")
    InspectorLink.objects.create(user=inspectors[0], jurisdiction=county_a, department=dept_a)
    post_firm = firms[1]
    make_case("post", county_a, alice, firm=post_firm, person_ref="P-7788")
    InspectorLink.objects.create(user=inspectors[1], jurisdiction=county_a, person_ref="P-7788")
    for n in range(12):  # many plans, many seeds: never drawn for the firm they are linked to
        plan = make_plan(carol, inspectors, name=f"计划{n}", firm_count=12)
        plan = services.plan_commit(plan=plan, by=carol)
        assert plan.candidates["excluded"] == {
            str(target.pk): [inspectors[0].pk],
            str(post_firm.pk): [inspectors[1].pk],
        }
        by_firm = {d.firm_id: d.inspector_ids for d in services.plan_draw(plan=plan, by=carol)}
        assert inspectors[0].pk not in by_firm[target.pk]
        assert inspectors[1].pk not in by_firm[post_firm.pk]


def test_a_draw_asking_for_more_firms_than_exist(carol, pool):
    _firms, inspectors = pool
    plan = make_plan(
        carol, inspectors, scope=CandidateScope.CATEGORY, category="评估", firm_count=5
    )
    with pytest.raises(ValidationError) as exc:
        services.plan_commit(plan=plan, by=carol)
    assert "符合条件的机构只有 4 家" in str(exc.value)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT and not plan.seed and not plan.candidates


def test_too_few_unlinked_inspectors_is_refused_before_the_seed(carol, county_a, dept_a, pool):
    firms, inspectors = pool
    plan = make_plan(carol, inspectors[:2])
    firms[0].supervising_agency = dept_a
    tracked_save(firms[0], by=carol, reason="挂靠关系")
    InspectorLink.objects.create(user=inspectors[0], jurisdiction=county_a, department=dept_a)
    with pytest.raises(ValidationError) as exc:
        services.plan_commit(plan=plan, by=carol)
    assert "无关联检查人员少于 2 名" in str(exc.value)


def test_results_feed_credit_records_and_unchecked_draws_go_overdue(alice, carol, pool):
    _firms, inspectors = pool
    plan = services.plan_commit(plan=make_plan(carol, inspectors), by=carol)
    draws = services.plan_draw(plan=plan, by=carol)
    mine = next(d for d in draws if d.jurisdiction_id == alice.jurisdiction_id)
    with pytest.raises(ValidationError):  # evidence is required
        services.check_result(
            draw=mine,
            result=CheckResult.RECTIFY,
            result_date=D(2026, 4, 1),
            doc_no="",
            evidence="",
            by=alice,
        )
    services.check_result(
        draw=mine,
        result=CheckResult.RECTIFY,
        result_date=D(2026, 4, 1),
        doc_no="甲市监责改〔2026〕3号",
        evidence="现场检查记录",
        by=alice,
    )
    record = CreditRecord.objects.get(source_draw=mine)
    assert record.source == RecordSource.SPOT_CHECK and record.kind.code == "check_rectify"
    assert record.effective_date == D(2026, 4, 1)
    with pytest.raises(ValidationError):  # a result is entered once
        services.check_result(
            draw=mine,
            result=CheckResult.PASSED,
            result_date=D(2026, 4, 2),
            doc_no="",
            evidence="x",
            by=alice,
        )
    mine.refresh_from_db()
    assert not mine.is_overdue(D(2026, 7, 1))
    others = SpotCheckDraw.objects.exclude(pk=mine.pk)
    assert all(d.is_overdue(D(2026, 7, 1)) and not d.is_overdue(D(2026, 6, 30)) for d in others)
    panel = selectors.dashboard_panel(carol, D(2026, 7, 1))
    assert panel["draws"] == {"total": 4, "done": 1, "overdue": 3}
