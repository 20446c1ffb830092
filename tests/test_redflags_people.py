"""Red flags about people stay on withdrawn cases, and the checks an inspector runs on closed
officials' posts: pay still owed (应退未退), shares kept, a serving official paid in a withdrawn
case, and any decision withdrawn after it was taken (issue "Decisions that stay true")."""

from __future__ import annotations

from decimal import Decimal

from intermediaries.models import PersonStatus, PostDisposition
from tests.factories import make_case, withdraw
from tests.test_redflags import codes, complete, decide, edit_subject, frozen  # noqa: F401
from tracker.cases import services
from tracker.cases.workflow import Status
from tracker.models import Case
from tracker.redflags.rules import flags_for_case


def post(alice, county_a, **fields) -> Case:
    base = {"person_status": PersonStatus.RETIRED_OVER_3, "paid": False}
    return make_case("post", county_a, alice, **{**base, **fields})


def test_a_closed_post_with_pay_owed_is_flagged_with_the_amount(alice, carol, county_a):
    case = post(
        alice, county_a, paid=True, pay_amount=Decimal("101500"), pay_returned=Decimal("1500")
    )
    decide(case, alice, PostDisposition.RETURN_PAY)
    assert codes(case) == set()  # decided, rectification not done: not yet a finding
    complete(case, alice, carol)
    assert codes(case) == {"post_pay_owed"}
    [flag] = flags_for_case(Case.objects.get(pk=case.pk))
    assert "101,500.00" in flag.message and "100,000.00" in flag.message


def test_pay_owed_with_nothing_returned_and_cleared_when_returned(alice, county_a):
    case = post(alice, county_a, paid=True, pay_amount=Decimal("48000"))
    decide(case, alice, PostDisposition.RETURN_PAY)
    services.case_transition(case=case, to=Status.IN_PROGRESS, by=alice, reason="开始整改")
    edit_subject(case, alice, pay_returned=Decimal("48000"))  # returned in full while in progress
    assert codes(case) == set()
    edit_subject(case, alice, pay_returned=None)
    assert codes(case) == set()  # in progress: not a finding yet


def test_unpaid_or_fully_returned_closed_posts_are_clean(alice, carol, county_a):
    unpaid = post(alice, county_a)
    decide(unpaid, alice, PostDisposition.RESIGN_FIRM)
    complete(unpaid, alice, carol)
    returned = post(
        alice, county_a, paid=True, pay_amount=Decimal("9000"), pay_returned=Decimal("9000")
    )
    decide(returned, alice, PostDisposition.RETURN_PAY)
    complete(returned, alice, carol)
    assert codes(unpaid) == set() and codes(returned) == set()


def test_shares_kept_after_the_clean_up(alice, carol, county_a):
    case = post(alice, county_a, shareholding=True)
    decide(case, alice, PostDisposition.DIVEST)
    complete(case, alice)
    assert codes(case) == {"post_shares_kept"}
    edit_subject(case, alice, shareholding=False)
    assert codes(case) == set()


def test_a_serving_official_paid_in_a_withdrawn_case_is_flagged(alice, county_a):
    case = post(
        alice, county_a, person_status=PersonStatus.SERVING, paid=True, pay_amount=Decimal("101500")
    )
    withdraw(case, alice)
    assert codes(case) == {"post_withdrawn_serving_paid", "post_pay_owed"}


def test_a_decision_withdrawn_after_it_was_taken_is_flagged_for_every_kind(alice, county_a, dept_a):
    refer = post(alice, county_a)
    decide(refer, alice, PostDisposition.REFER)
    withdraw(refer, alice)
    assert codes(refer) == {"withdrawn_after_decision"}
    message = flags_for_case(Case.objects.get(pk=refer.pk))[0].message
    assert "移送纪检" in message and "甲改办〔2025〕1号" in message
    item = make_case("item", county_a, alice, department=dept_a, legal_basis="《建筑法》")
    decide(item, alice, "cancel")
    withdraw(item, alice)
    assert codes(item) == {"withdrawn_after_decision"}


def test_a_withdrawal_before_any_decision_raises_nothing(alice, county_a):
    case = post(alice, county_a)
    withdraw(case, alice)
    assert codes(case) == set()
