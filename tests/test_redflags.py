"""Red flags: each rule raised and cleared, the per-case explanation agreeing with the SQL filter."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template.loader import render_to_string

from fees.models import FeeDisposition
from fees.redflags import name_similarity
from intermediaries.models import (
    AffiliationType,
    ApprovalItem,
    ItemDisposition,
    PersonStatus,
    PostDisposition,
)
from intermediaries.services import firm_save
from tests.factories import DepartmentFactory, IntermediaryFirmFactory, make_case, withdraw
from tracker.cases import services
from tracker.cases.workflow import Status
from tracker.models import Case, RedFlagHit, User
from tracker.redflags.rules import (
    cases_with_red_flags,
    cases_with_red_flags_live,
    entries,
    filter_choices,
    flags_for_case,
    red_flag_summary,
    sync,
)

TZ = ZoneInfo("Asia/Shanghai")


def d(s: str) -> datetime.date:
    return datetime.date.fromisoformat(s)


@pytest.fixture(autouse=True)
def frozen(db):
    with time_machine.travel(datetime.datetime(2025, 12, 10, 10, tzinfo=TZ)):
        yield


def codes(case: Case, today: datetime.date | None = None) -> set[str]:
    """The flags a case raises, checked to agree between flags_for_case and the SQL filters."""
    fresh = Case.objects.get(pk=case.pk)
    explained = {f.code for f in flags_for_case(fresh, today)}
    one = Case.objects.filter(pk=case.pk)
    codes_ = [e.code for e in entries()]
    filtered = {c for c in codes_ if cases_with_red_flags(one, c, today).exists()}
    assert explained == filtered
    assert cases_with_red_flags(one, "any", today).exists() == bool(filtered)
    # The maintained rows (brought up to date link by link) agree with the rules evaluated
    # now, and with a rebuild from scratch.
    live = {c for c in codes_ if cases_with_red_flags_live(one, c, today).exists()}
    assert live == filtered
    if today is None:
        kept = hit_rows()
        sync(rebuild=True)
        assert hit_rows() == kept
    return explained


def hit_rows() -> set[tuple]:
    return set(
        RedFlagHit.objects.values_list("case_id", "rule", "until", "jurisdiction_id", "deadline")
    )


def decide(case: Case, by: User, disposition: str) -> Case:
    services.case_transition(case=case, to=Status.UNDER_REVIEW, by=by, reason="开始核查")
    return services.case_transition(
        case=case,
        to=Status.DECIDED,
        by=by,
        reason="作出决定",
        decision=services.Decision(disposition, "甲改办〔2025〕1号", d("2025-12-01")),
    )


def edit_subject(case: Case, by: User, **fields) -> Case:
    case.refresh_from_db()
    return services.case_update(
        case=case,
        by=by,
        expected_version=case.version,
        case_fields={},
        subject_fields=fields,
        reason="更正登记信息",
    )


def complete(case: Case, by: User, admin: User | None = None) -> Case:
    """Decided → in progress → all required milestones done in order → completed (→ closed)."""
    services.case_transition(case=case, to=Status.IN_PROGRESS, by=by, reason="开始整改")
    for i, m in enumerate(case.milestones.filter(required=True).order_by("order")):
        services.milestone_complete(
            milestone=m,
            by=by,
            effective_date=d("2025-11-01") + datetime.timedelta(days=i),
            doc_no=f"文{i}",
        )
    case = services.case_transition(case=case, to=Status.COMPLETED, by=by, reason="完成")
    if admin:
        case = services.case_transition(case=case, to=Status.CLOSED, by=admin, reason="销号")
    return case


# --- rule 1: a cancelled fee comes back under another name -------------------------------


def test_name_similarity():
    assert name_similarity("城市道路占用费", "城市道路占用费") == 1
    assert name_similarity("城市道路占用费", "城市道路 占用费（临时）") >= 0.75
    assert name_similarity("城市道路占用费", "城市道路占用挖掘费") >= 0.75
    assert name_similarity("城市道路占用费", "房屋登记费") < 0.75
    assert name_similarity("", "房屋登记费") == 0


def test_fee_reintroduced_raised_and_cleared(alice, bob, county_a, county_b):
    old = make_case("fee", county_a, alice, name="城市道路占用费")
    decide(old, alice, FeeDisposition.FEE_CANCEL)
    new = make_case("fee", county_a, alice, name="城市道路占用挖掘费")
    elsewhere = make_case("fee", county_b, bob, name="城市道路占用挖掘费")
    different = make_case("fee", county_a, alice, name="房屋登记费")

    assert codes(new) == {"fee_reintroduced"}
    message = flags_for_case(new)[0].message
    assert "城市道路占用费" in message and old.reference in message
    assert codes(old) == set()  # never flagged against itself
    assert codes(elsewhere) == set()  # another jurisdiction
    assert codes(different) == set()

    edit_subject(new, alice, name="排污费")
    assert codes(new) == set()


def test_fee_registered_before_the_cancellation_is_not_new(alice, county_a):
    with time_machine.travel(datetime.datetime(2025, 3, 1, 10, tzinfo=TZ)):
        older = make_case("fee", county_a, alice, name="城市道路占用挖掘费")
    old = make_case("fee", county_a, alice, name="城市道路占用费")
    decide(old, alice, FeeDisposition.FEE_CANCEL)
    assert codes(older) == set()


def test_withdrawn_cancellation_does_not_count(alice, county_a):
    old = make_case("fee", county_a, alice, name="城市道路占用费")
    decide(old, alice, FeeDisposition.FEE_CANCEL)
    new = make_case("fee", county_a, alice, name="城市道路占用费")
    assert codes(new) == {"fee_reintroduced"}
    withdraw(old, alice, reason="登记错误")
    assert codes(new) == set()


# --- rule 2: retained intermediary items --------------------------------------------------


def test_retained_item_without_legal_basis(alice, county_a, dept_a):
    case = make_case("item", county_a, alice, department=dept_a, legal_basis="  \n ")
    assert codes(case) == set()  # not decided yet
    decide(case, alice, ItemDisposition.RETAIN)
    assert codes(case) == {"item_retain_no_basis"}
    assert "未填写设定依据" in flags_for_case(Case.objects.get(pk=case.pk))[0].message
    edit_subject(case, alice, legal_basis="《中华人民共和国行政许可法》")
    assert codes(case) == set()


def test_cancelled_item_without_basis_is_fine(alice, county_a, dept_a):
    case = make_case("item", county_a, alice, department=dept_a)
    decide(case, alice, ItemDisposition.CANCEL)
    assert codes(case) == set()


def test_retained_item_provided_by_a_firm_of_the_approving_department(alice, county_a, dept_a):
    firm = IntermediaryFirmFactory(
        jurisdiction=county_a, supervising_agency=dept_a, affiliation_type=AffiliationType.ATTACHED
    )
    case = make_case(
        "item", county_a, alice, department=dept_a, legal_basis="《某条例》", provider_firm=firm
    )
    decide(case, alice, ItemDisposition.RETAIN)
    assert codes(case) == {"item_provider_affiliated"}
    message = flags_for_case(Case.objects.get(pk=case.pk))[0].message
    assert firm.name in message and dept_a.name in message and "挂靠" in message

    firm.supervising_agency = None
    firm.affiliation_type = AffiliationType.NONE
    firm_save(firm=firm, jurisdiction=county_a, by=alice, reason="已脱钩")
    assert codes(case) == set()


def test_affiliation_with_the_department_of_an_approval_item(alice, county_a, dept_a):
    other = DepartmentFactory(jurisdiction=county_a, name="甲区行政审批局")
    firm = IntermediaryFirmFactory(jurisdiction=county_a, supervising_agency=dept_a)
    approval = ApprovalItem.objects.create(
        jurisdiction=county_a, department=dept_a, name="建筑工程施工许可"
    )
    case = make_case(
        "item", county_a, alice, department=other, legal_basis="《某条例》", provider_firm=firm
    )
    case.intermediary_item.approval_items.add(approval)
    decide(case, alice, ItemDisposition.RETAIN)
    assert codes(case) == {"item_provider_affiliated"}
    case.intermediary_item.approval_items.remove(approval)
    assert codes(case) == set()


# --- rule 3: officials' posts kept ---------------------------------------------------------


def test_post_kept_for_a_serving_official(alice, county_a):
    case = make_case("post", county_a, alice, person_status=PersonStatus.SERVING)
    decide(case, alice, PostDisposition.KEEP_APPROVED)
    assert codes(case) == {"post_kept_serving"}
    edit_subject(case, alice, person_status=PersonStatus.RETIRED_OVER_3)
    assert codes(case) == set()


def test_paid_post_kept(alice, county_a):
    case = make_case("post", county_a, alice, person_status=PersonStatus.RETIRED_OVER_3, paid=True)
    decide(case, alice, PostDisposition.KEEP_APPROVED)
    assert codes(case) == {"post_kept_paid"}
    assert "不得取酬" in flags_for_case(Case.objects.get(pk=case.pk))[0].message
    edit_subject(case, alice, paid=False)
    assert codes(case) == set()


def test_serving_official_who_resigns_is_fine(alice, county_a):
    case = make_case("post", county_a, alice, person_status=PersonStatus.SERVING, paid=True)
    decide(case, alice, PostDisposition.RESIGN_FIRM)
    assert codes(case) == set()


# --- rule 4: decoupling closed but still tied --------------------------------------------


@pytest.fixture
def tied_firm(county_a, dept_a):
    return IntermediaryFirmFactory(
        jurisdiction=county_a,
        supervising_agency=dept_a,
        affiliation_type=AffiliationType.ATTACHED,
        shares_staff_with_agency=True,
    )


def test_decoupling_completed_while_sharing_staff(alice, carol, county_a, dept_a, tied_firm):
    case = make_case("firm", county_a, alice, firm=tied_firm, agency=dept_a)
    decide(case, alice, "withdraw_all")
    assert codes(case) == set()  # not completed yet
    complete(case, alice, admin=carol)
    assert codes(case) == {"decoupling_still_tied"}
    assert "与机关人员混用" in flags_for_case(Case.objects.get(pk=case.pk))[0].message

    tied_firm.shares_staff_with_agency = False
    tied_firm.shares_premises_with_agency = True
    firm_save(firm=tied_firm, jurisdiction=county_a, by=alice, reason="核查更正")
    assert "与机关合署办公" in flags_for_case(Case.objects.get(pk=case.pk))[0].message
    tied_firm.shares_premises_with_agency = False
    firm_save(firm=tied_firm, jurisdiction=county_a, by=alice, reason="已分开办公")
    assert codes(case) == set()


def test_decoupling_completed_while_an_official_holds_a_post(alice, county_a, dept_a):
    firm = IntermediaryFirmFactory(jurisdiction=county_a, supervising_agency=dept_a)
    decoupling = make_case("firm", county_a, alice, firm=firm, agency=dept_a)
    post = make_case("post", county_a, alice, firm=firm, firm_name=firm.name)
    decide(decoupling, alice, "withdraw_all")
    complete(decoupling, alice)
    assert codes(decoupling) == {"decoupling_official_in_post"}
    assert post.reference in flags_for_case(Case.objects.get(pk=decoupling.pk))[0].message
    withdraw(post, alice, reason="登记错误")
    assert codes(decoupling) == set()


def test_finished_post_with_an_end_date_does_not_count(alice, county_a, dept_a):
    firm = IntermediaryFirmFactory(jurisdiction=county_a, supervising_agency=dept_a)
    decoupling = make_case("firm", county_a, alice, firm=firm, agency=dept_a)
    post = make_case(
        "post",
        county_a,
        alice,
        firm=firm,
        firm_name=firm.name,
        held_from=d("2020-01-01"),
        held_to=d("2025-06-30"),
        person_status=PersonStatus.RETIRED_OVER_3,
    )
    decide(post, alice, PostDisposition.RESIGN_FIRM)
    complete(post, alice)
    decide(decoupling, alice, "withdraw_all")
    complete(decoupling, alice)
    assert codes(decoupling) == set()
    edit_subject(post, alice, held_to=d("2026-06-30"))  # still in post after all
    assert codes(decoupling) == {"decoupling_official_in_post"}


# --- rule 5: milestones ------------------------------------------------------------------


def test_milestone_done_before_an_earlier_required_one(alice, county_a, dept_a):
    case = make_case("item", county_a, alice, department=dept_a)
    first, second, third = case.milestones.order_by("order")[:3]
    services.milestone_complete(
        milestone=third, by=alice, effective_date=d("2025-12-05"), doc_no="文3"
    )
    assert codes(case) == {"milestone_out_of_order"}
    message = flags_for_case(Case.objects.get(pk=case.pk))[0].message
    assert third.name in message and first.name in message
    services.milestone_complete(
        milestone=first, by=alice, effective_date=d("2025-12-01"), doc_no="文1"
    )
    services.milestone_complete(
        milestone=second, by=alice, effective_date=d("2025-12-03"), doc_no="文2"
    )
    assert codes(case) == set()


def test_milestone_dated_before_an_earlier_one(alice, county_a, dept_a):
    case = make_case("item", county_a, alice, department=dept_a)
    first, second = case.milestones.order_by("order")[:2]
    services.milestone_complete(
        milestone=first, by=alice, effective_date=d("2025-12-08"), doc_no="文1"
    )
    services.milestone_complete(
        milestone=second, by=alice, effective_date=d("2025-12-02"), doc_no="文2"
    )
    assert codes(case) == {"milestone_out_of_order"}
    assert "早于此前节点" in flags_for_case(Case.objects.get(pk=case.pk))[0].message


def test_milestone_with_a_future_effective_date(alice, county_a, dept_a):
    case = make_case("item", county_a, alice, department=dept_a)
    first = case.milestones.order_by("order").first()
    services.milestone_complete(
        milestone=first, by=alice, effective_date=d("2025-12-10"), doc_no="文1"
    )
    assert codes(case, today=d("2025-12-09")) == {"milestone_future_date"}
    assert codes(case) == set()
    with time_machine.travel(datetime.datetime(2025, 12, 5, 10, tzinfo=TZ)):  # clock set back
        assert codes(case) == {"milestone_future_date"}


# --- lists, summary, page ---------------------------------------------------------------


@pytest.fixture
def flagged_set(alice, bob, county_a, county_b, dept_a):
    a = make_case("post", county_a, alice, paid=True, person_status=PersonStatus.RETIRED_OVER_3)
    decide(a, alice, PostDisposition.KEEP_APPROVED)
    b = make_case("post", county_b, bob, person_status=PersonStatus.SERVING)
    decide(b, bob, PostDisposition.KEEP_APPROVED)
    clean = make_case("item", county_a, alice, department=dept_a)
    withdrawn = make_case("post", county_a, alice, person_status=PersonStatus.SERVING)
    decide(withdrawn, alice, PostDisposition.KEEP_APPROVED)
    withdraw(withdrawn, alice, reason="登记错误")
    return a, b, clean, withdrawn


def test_list_filter(flagged_set, alice):
    a, b, clean, withdrawn = flagged_set
    everything = Case.objects.all()
    # the withdrawn case raises "decided, then withdrawn" (it stays in view)
    assert set(cases_with_red_flags(everything, "any")) == {a, b, withdrawn}
    assert set(cases_with_red_flags(everything, "post_kept_paid")) == {a}
    assert set(cases_with_red_flags(Case.objects.for_user(alice), "any")) == {a, withdrawn}
    assert cases_with_red_flags(everything, "") is everything
    assert not cases_with_red_flags(everything, "no_such_rule").exists()
    choices = [c for c, _label in filter_choices()]
    assert choices[0] == "any" and set(choices[1:]) == {e.code for e in entries()}
    assert len(choices) == len(set(choices))


def test_summary_for_admins_and_inspectors(
    flagged_set, carol, ivan, alice, vera, django_assert_max_num_queries
):
    sync()  # the changes above are brought into the red-flag rows once
    with django_assert_max_num_queries(5):  # whatever the size of the scope
        summary = red_flag_summary(carol)
    assert summary["total"] == 3
    counts = {r["code"]: r["count"] for r in summary["rules"]}
    assert counts["post_kept_paid"] == 1 and counts["post_kept_serving"] == 1
    assert counts["withdrawn_after_decision"] == 1 and counts["fee_reintroduced"] == 0
    flagged = {flagged_set[0].pk, flagged_set[1].pk, flagged_set[3].pk}
    assert {c.pk for c in summary["cases"]} == flagged
    assert red_flag_summary(ivan)["total"] == 3
    assert red_flag_summary(alice) is None and red_flag_summary(vera) is None
    html = render_to_string("tracker/_redflag_summary.html", {"red_flag_summary": summary})
    assert "?red_flag=post_kept_paid" in html and flagged_set[0].reference in html


def test_case_partial_lists_the_flags(flagged_set, alice):
    a = Case.objects.get(pk=flagged_set[0].pk)
    html = render_to_string(
        "tracker/_case_redflags.html", {"case": a, "user": alice, "red_flags": flags_for_case(a)}
    )
    assert (
        "红旗预警" in html and "保留的兼职仍取酬" in html and 'data-flag="post_kept_paid"' in html
    )
    empty = render_to_string(
        "tracker/_case_redflags.html", {"case": flagged_set[2], "user": alice, "red_flags": []}
    )
    assert "红旗预警" not in empty


def test_withdrawn_cases_raise_only_the_rules_about_withdrawn_facts(flagged_set):
    """A withdrawn case leaves the rules about its decision (kept posts) but not those about
    the facts of people and firms or the withdrawal itself (tests/test_redflags_people.py)."""
    withdrawn = Case.objects.get(pk=flagged_set[3].pk)
    assert [f.code for f in flags_for_case(withdrawn)] == ["withdrawn_after_decision"]


def test_case_list_filters_by_red_flag(client_as, carol, alice, county_a, dept_a):
    """The list's red-flag filter keeps flagged cases only (a retained item without a basis)."""
    import datetime

    from tests.factories import make_case
    from tracker.cases import services
    from tracker.cases.workflow import Status

    flagged = make_case("item", county_a, alice, department=dept_a, legal_basis="")
    services.case_transition(case=flagged, to=Status.UNDER_REVIEW, by=alice, reason="核查")
    services.case_transition(
        case=flagged,
        to=Status.DECIDED,
        by=alice,
        reason="决定",
        decision=services.Decision("retain", "上政〔2025〕1号", datetime.date(2025, 9, 1)),
    )
    clean = make_case("item", county_a, alice, department=dept_a, name="另一事项")
    html = client_as(carol).get("/cases/?red_flag=any").content.decode()
    assert flagged.reference in html and clean.reference not in html


def test_nightly_run_brings_the_rows_up_to_date(alice, county_a, dept_a):
    """send_reminders (cron, daily) reads the day's audit links, so the first dashboard of the
    next morning finds nothing left to do."""
    import io

    from django.core.management import call_command

    from tracker.audit.chain import chain_head
    from tracker.models import RedFlagState

    case = make_case("item", county_a, alice, department=dept_a, legal_basis="")
    decide(case, alice, ItemDisposition.RETAIN)
    out = io.StringIO()
    call_command("send_reminders", "--in-app-only", stdout=out)
    assert "red flags brought up to date" in out.getvalue()
    assert RedFlagState.objects.get(pk=1).seq == chain_head()[0]
    assert RedFlagHit.objects.filter(case=case, rule="item_retain_no_basis").exists()
    assert sync() == 0  # nothing new since
