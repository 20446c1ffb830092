"""Each red-flag rule is one declaration read two ways: its SQL filter (``rule.q``) and its
Python check (``rule.holds``, which the case page's explanation uses). On random cases of every
kind the two readings agree; a rule narrowed in one reading is caught."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intermediaries.models import (
    ApprovalItem,
    DecouplingDisposition,
    ItemDisposition,
    PersonStatus,
    PostDisposition,
)
from tests.factories import DepartmentFactory, IntermediaryFirmFactory, make_case
from tracker.cases.workflow import Status
from tracker.models import Case, Milestone
from tracker.redflags.declare import TODAY, Is, Rule, Some
from tracker.redflags.rules import entries, prefetch_milestones, rules_of_kind

TODAY_ = datetime.date(2025, 12, 10)
DATES = [None, datetime.date(2025, 11, 1), TODAY_, datetime.date(2025, 12, 11)]
STATUSES = list(Status.values)
HYPOTHESIS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

pytestmark = pytest.mark.filterwarnings("ignore")


def disagreements(case: Case, today: datetime.date, rules=None) -> list[str]:
    """The rules whose SQL filter and Python check answer differently for ``case``."""
    out = []
    for rule in rules if rules is not None else rules_of_kind(case.kind):
        if rule.matching:
            continue
        sql = Case.objects.filter(pk=case.pk).filter(rule.q(today)).exists()
        fresh = Case.objects.get(pk=case.pk)
        prefetch_milestones(fresh, None)
        if sql != rule.holds(fresh, today):
            out.append(f"{rule.code}: SQL {sql}, Python {not sql}")
    return out


def _shape_milestones(case: Case, data) -> None:
    """Random done flags and dates on the case's milestones (the state the rules read)."""
    for m in case.milestones.all():
        done = data.draw(st.booleans())
        Milestone.objects.filter(pk=m.pk).update(
            done=done, effective_date=data.draw(st.sampled_from(DATES[1:])) if done else None
        )


def _shape_case(case: Case, data, dispositions) -> None:
    Case.objects.filter(pk=case.pk).update(
        status=data.draw(st.sampled_from(STATUSES)),
        disposition=data.draw(st.sampled_from(["", *dispositions])),
    )
    _shape_milestones(case, data)


def _check(case: Case) -> None:
    assert disagreements(case, TODAY_) == []


def in_savepoint(test):
    """Each example in its own savepoint, rolled back: examples never see each other's rows."""

    def run(*args, **kwargs):
        with transaction.atomic():
            test(*args, **kwargs)
            transaction.set_rollback(True)

    return run


@HYPOTHESIS
@given(data=st.data())
def test_item_rules_agree(data, alice, county_a, dept_a):
    @in_savepoint
    def example():
        other = DepartmentFactory(jurisdiction=county_a)
        agency = data.draw(st.sampled_from([None, dept_a, other]))
        firm = (
            IntermediaryFirmFactory(jurisdiction=county_a, supervising_agency=agency)
            if data.draw(st.booleans())
            else None
        )
        case = make_case(
            "item",
            county_a,
            alice,
            department=dept_a,
            provider_firm=firm,
            legal_basis=data.draw(st.sampled_from(["", " \n\t", "《中华人民共和国建筑法》"])),
        )
        for dept in data.draw(st.lists(st.sampled_from([None, dept_a, other]), max_size=3)):
            approval = ApprovalItem.objects.create(
                jurisdiction=county_a, department=dept, name="审批"
            )
            case.intermediary_item.approval_items.add(approval)
        _shape_case(case, data, ItemDisposition.values)
        _check(case)

    example()


@HYPOTHESIS
@given(data=st.data())
def test_post_rules_agree(data, alice, county_a):
    @in_savepoint
    def example():
        case = make_case(
            "post",
            county_a,
            alice,
            person_status=data.draw(st.sampled_from(PersonStatus.values)),
            paid=data.draw(st.booleans()),
            shareholding=data.draw(st.booleans()),
            pay_amount=data.draw(st.sampled_from([None, Decimal(0), Decimal(500), Decimal(9000)])),
            pay_returned=data.draw(st.sampled_from([None, Decimal(0), Decimal(500)])),
        )
        _shape_case(case, data, PostDisposition.values)
        _check(case)

    example()


@HYPOTHESIS
@given(data=st.data())
def test_decoupling_rules_agree(data, alice, county_a, dept_a):
    @in_savepoint
    def example():
        def firm():
            return IntermediaryFirmFactory(
                jurisdiction=county_a,
                shares_staff_with_agency=data.draw(st.booleans()),
                shares_premises_with_agency=data.draw(st.booleans()),
            )

        old, new = firm(), firm() if data.draw(st.booleans()) else None
        case = make_case("firm", county_a, alice, firm=old, new_firm=new, agency=dept_a)
        for at in data.draw(st.lists(st.sampled_from([old, new]), max_size=3)):
            if at is None:
                continue
            post = make_case(
                "post", county_a, alice, firm=at, held_to=data.draw(st.sampled_from(DATES))
            )
            Case.objects.filter(pk=post.pk).update(status=data.draw(st.sampled_from(STATUSES)))
        _shape_case(case, data, DecouplingDisposition.values)
        _check(case)

    example()


@HYPOTHESIS
@given(data=st.data())
def test_milestone_rules_agree_for_every_kind(data, alice, county_a, dept_a):
    @in_savepoint
    def example():
        kind = data.draw(st.sampled_from(["item", "fee", "post"]))
        case = make_case(kind, county_a, alice, department=dept_a)
        _shape_milestones(case, data)
        _check(case)

    example()


def test_every_condition_rule_is_checked_by_a_property_test():
    """The kinds above cover every rule registered (a new kind's rules need a test here)."""
    covered = {"item", "post", "firm", None}
    assert {e.kind for e in entries() if not e.rule.matching} <= covered


class NarrowedIs(Is):
    """``Is`` with its Python reading narrowed: "after today" read as "more than a day after"."""

    def test(self, stack, ctx):
        late = stack[-1].effective_date
        return super().test(stack, ctx) and late > ctx.today + datetime.timedelta(days=1)


def test_a_rule_narrowed_in_one_reading_is_caught(alice, county_a, dept_a):
    """The property check finds a case where a narrowed reading disagrees with the other."""
    narrowed = Rule(
        "milestone_future_date",
        "节点完成日期晚于今天",
        Some("milestones", Is("done"), NarrowedIs("effective_date", "gt", TODAY)),
        lambda case, found: "",
    )
    case = make_case("item", county_a, alice, department=dept_a)
    first = case.milestones.order_by("order").first()
    Milestone.objects.filter(pk=first.pk).update(
        done=True, effective_date=TODAY_ + datetime.timedelta(days=1)
    )
    assert disagreements(case, TODAY_, [narrowed]) == [
        "milestone_future_date: SQL True, Python False"
    ]
    real = next(e.rule for e in entries() if e.code == "milestone_future_date")
    assert disagreements(case, TODAY_, [real]) == []
