"""Accountable withdrawals: staff request one with a category (a duplicate names the case it
repeats, in scope; out of scope names its basis; registered in error) and a reason; an admin
other than the requester approves or refuses. Nothing is withdrawn any other way, and every
request stays on the case (issue "Decisions that stay true")."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.factories import UserFactory, make_case
from tracker.cases import services
from tracker.cases.services import TransitionRefused, case_transition
from tracker.cases.withdrawals import WithdrawalRequest
from tracker.cases.workflow import Role, Status
from tracker.models import Case

pytestmark = pytest.mark.django_db


def ask(case, by, **kwargs):
    values = {"category": "error", "reason": "登记信息有误，已按正确信息重新登记。", **kwargs}
    return services.withdrawal_request(case=case, by=by, **values)


def nothing_written(case) -> None:
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.status != Status.WITHDRAWN and fresh.version == case.version
    assert not WithdrawalRequest.objects.filter(case=case).exists()


def test_no_path_withdraws_directly(case_a, alice, carol):
    for who in (alice, carol):
        with pytest.raises(TransitionRefused, match="撤回须由工作人员提出撤回申请"):
            case_transition(case=case_a, to=Status.WITHDRAWN, by=who, reason="直接撤回")
    nothing_written(case_a)


def test_a_request_approved_by_another_admin_withdraws_the_case(case_a, alice, carol):
    request = ask(case_a, alice)
    assert Case.objects.get(pk=case_a.pk).status == Status.REGISTERED  # not yet
    services.withdrawal_decide(request=request, by=carol, approve=True)
    fresh = Case.objects.get(pk=case_a.pk)
    assert fresh.status == Status.WITHDRAWN
    latest = fresh.history.latest("history_id")
    assert latest.history_user == carol
    assert "批准撤回（登记错误）" in latest.history_change_reason
    request.refresh_from_db()
    assert (request.state, request.decided_by) == ("approved", carol)
    assert request.history.count() == 2  # requested, then approved: both in the chain


def test_a_refusal_needs_its_reason_and_leaves_the_case(case_a, alice, carol):
    request = ask(case_a, alice)
    with pytest.raises(ValidationError, match="不批准撤回时请写明理由"):
        services.withdrawal_decide(request=request, by=carol, approve=False)
    services.withdrawal_decide(
        request=request, by=carol, approve=False, note="属于清理范围，继续整改"
    )
    request.refresh_from_db()
    assert request.state == "refused" and Case.objects.get(pk=case_a.pk).status == Status.REGISTERED
    ask(case_a, alice, reason="补充说明后再次申请")  # a refused request does not block a new one


def test_only_another_admin_decides(case_a, alice, carol, ivan, city):
    request = ask(case_a, alice)
    for who in (alice, ivan):
        with pytest.raises(PermissionDenied):
            services.withdrawal_decide(request=request, by=who, approve=True)
    own = make_case("item", case_a.jurisdiction, carol)
    own_request = ask(own, carol)
    with pytest.raises(ValidationError, match="申请人以外的管理员"):
        services.withdrawal_decide(request=own_request, by=carol, approve=True)
    other_admin = UserFactory(username="dora", role=Role.ADMIN, jurisdiction=city)
    services.withdrawal_decide(request=own_request, by=other_admin, approve=True)
    assert Case.objects.get(pk=own.pk).status == Status.WITHDRAWN


def test_an_admin_of_another_place_cannot_decide(case_a, alice, county_b):
    request = ask(case_a, alice)
    outsider = UserFactory(username="erin", role=Role.ADMIN, jurisdiction=county_b)
    with pytest.raises(PermissionDenied):
        services.withdrawal_decide(request=request, by=outsider, approve=True)
    assert Case.objects.get(pk=case_a.pk).status == Status.REGISTERED


def test_a_duplicate_names_a_case_in_scope(case_a, alice, bob, county_a, county_b):
    original = make_case("item", county_a, alice)
    request = ask(case_a, alice, category="duplicate", duplicate_of=original.reference)
    assert request.duplicate_of == original


@pytest.mark.parametrize(
    ("detail", "message"),
    [
        ({"category": "duplicate"}, "须填写与之重复的事项编号"),
        ({"category": "duplicate", "duplicate_of": "330105-ITEM-2026-9999"}, "未找到编号"),
        ({"category": "duplicate", "duplicate_of": "SELF"}, "与其自身重复"),
        ({"category": "duplicate", "duplicate_of": "OTHER_COUNTY"}, "不在您的管辖范围内"),
        ({"category": "duplicate", "duplicate_of": "OTHER_KIND"}, "同一类别"),
        ({"category": "out_of_scope"}, "须写明依据"),
        ({"category": "no_such_category"}, "请选择撤回类别"),
        ({"reason": "   "}, "请填写原因"),
    ],
)
def test_bad_requests_are_refused_and_write_nothing(
    case_a, alice, bob, county_a, county_b, detail, message
):
    other_county = make_case("item", county_b, bob)
    other_kind = make_case("fee", county_a, alice)
    names = {"SELF": case_a, "OTHER_COUNTY": other_county, "OTHER_KIND": other_kind}
    if detail.get("duplicate_of") in names:
        detail = {**detail, "duplicate_of": names[detail["duplicate_of"]].reference}
    with pytest.raises(ValidationError, match=message):
        ask(case_a, alice, **detail)
    nothing_written(case_a)


def test_one_pending_request_at_a_time_and_not_from_a_done_case(case_a, alice, carol):
    ask(case_a, alice)
    with pytest.raises(ValidationError, match="已有待审批的撤回申请"):
        ask(case_a, alice)
    assert WithdrawalRequest.objects.filter(case=case_a).count() == 1


def test_the_pages_request_approve_and_list(client_as, case_a, alice, carol):
    staff = client_as(alice)
    page = staff.get(reverse("tracker:case_detail", args=[case_a.reference]))
    assert 'id="withdrawal-request"' in page.content.decode()
    assert all(not edge.by_request for edge, _f in page.context["transition_forms"])
    response = staff.post(
        reverse("tracker:withdrawal_request", args=[case_a.reference]),
        {
            "category": "out_of_scope",
            "basis": "青岚市清理工作方案第二条",
            "reason": "不属于本轮清理范围",
        },
    )
    assert response.status_code == 302
    request = WithdrawalRequest.objects.get()
    assert request.basis == "青岚市清理工作方案第二条"
    assert staff.get(reverse("tracker:withdrawal_list")).status_code == 403
    admin = client_as(carol)
    listing = admin.get(reverse("tracker:withdrawal_list"))
    assert case_a.reference in listing.content.decode()
    detail = admin.get(reverse("tracker:case_detail", args=[case_a.reference]))
    assert 'id="withdrawal-decide"' in detail.content.decode()
    response = admin.post(
        reverse("tracker:withdrawal_decide", args=[request.pk]), {"decision": "approve", "note": ""}
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case_a.pk).status == Status.WITHDRAWN
    after = admin.get(reverse("tracker:case_detail", args=[case_a.reference])).content.decode()
    assert "已批准" in after and "青岚市清理工作方案第二条" in after


def test_a_bad_page_request_says_why_and_writes_nothing(client_as, case_a, alice):
    staff = client_as(alice)
    response = staff.post(
        reverse("tracker:withdrawal_request", args=[case_a.reference]),
        {"category": "duplicate", "duplicate_of": case_a.reference, "reason": "重复"},
        follow=True,
    )
    assert "不能把事项标记为与其自身重复" in response.content.decode()
    nothing_written(case_a)


def test_another_countys_staff_cannot_request(client_as, case_a, bob):
    response = client_as(bob).post(
        reverse("tracker:withdrawal_request", args=[case_a.reference]),
        {"category": "error", "reason": "越权"},
    )
    assert response.status_code == 404
    nothing_written(case_a)


def test_inspectors_filter_and_count_withdrawals_by_category(
    client_as, alice, carol, ivan, county_a, dept_a
):
    from tests.factories import withdraw

    dup_target = make_case("item", county_a, alice, department=dept_a)
    error = withdraw(make_case("item", county_a, alice, department=dept_a), alice)
    duplicate = withdraw(
        make_case("item", county_a, alice, department=dept_a),
        alice,
        category="duplicate",
        duplicate_of=dup_target.reference,
    )
    # A case withdrawn before requests existed: withdrawn with no request behind it.
    legacy = make_case("item", county_a, alice, department=dept_a)
    Case.objects.filter(pk=legacy.pk).update(status=Status.WITHDRAWN)
    waiting = make_case("item", county_a, alice, department=dept_a)
    ask(waiting, alice)

    client = client_as(ivan)
    listing = reverse("tracker:case_list")

    def shown(value: str) -> set[str]:
        page = client.get(listing, {"withdrawal": value}).content.decode()
        refs = (error, duplicate, legacy, waiting, dup_target)
        return {c.reference for c in refs if c.reference in page}

    assert shown("error") == {error.reference}
    assert shown("duplicate") == {duplicate.reference}
    assert shown("legacy") == {legacy.reference}
    assert shown("pending") == {waiting.reference}

    page = client.get(reverse("tracker:dashboard")).content.decode()
    assert 'id="withdrawal-summary"' in page
    summary = page.split('id="withdrawal-summary"')[1].split("</table>")[0]
    counts = dict(
        (label, n)
        for label, n in __import__("re").findall(
            r">([^<>]+)</a></td><td class=\"num\">(\d+)<", summary
        )
    )
    assert counts["登记错误"] == "1" and counts["重复登记（与另一事项重复）"] == "1"
    assert counts["早期撤回（无撤回申请，未分类）"] == "1"
    assert counts["撤回申请待审批"] == "1" and counts["已撤回合计"] == "3"
    # Reform staff do not get the inspector's card.
    staff_page = client_as(alice).get(reverse("tracker:dashboard")).content.decode()
    assert 'id="withdrawal-summary"' not in staff_page


def test_the_withdrawal_filter_refuses_an_unknown_value(client_as, ivan):
    response = client_as(ivan).get(reverse("tracker:case_list"), {"withdrawal": "nonsense"})
    assert response.status_code == 200
    assert "筛选条件有误" in response.content.decode()
