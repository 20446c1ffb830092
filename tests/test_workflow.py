"""The workflow: every (source, target) pair, roles, guards, reasons and derived overdue."""

from __future__ import annotations

import datetime
import itertools

import pytest
import time_machine
from django.utils import timezone

from tests.factories import make_case, withdraw
from tracker.cases import workflow
from tracker.cases.services import Decision, TransitionRefused, case_transition, milestone_complete
from tracker.cases.workflow import Role, Status
from tracker.models import Case, User

# The path an admin walks from "registered" to reach each status.
PATHS: dict[str, list[str]] = {
    Status.REGISTERED: [],
    Status.UNDER_REVIEW: [Status.UNDER_REVIEW],
    Status.DECIDED: [Status.UNDER_REVIEW, Status.DECIDED],
    Status.IN_PROGRESS: [Status.UNDER_REVIEW, Status.DECIDED, Status.IN_PROGRESS],
    Status.COMPLETED: [
        Status.UNDER_REVIEW,
        Status.DECIDED,
        Status.IN_PROGRESS,
        Status.COMPLETED,
    ],
    Status.CLOSED: [
        Status.UNDER_REVIEW,
        Status.DECIDED,
        Status.IN_PROGRESS,
        Status.COMPLETED,
        Status.CLOSED,
    ],
    Status.WITHDRAWN: [Status.WITHDRAWN],
}


def decision(source: str = Status.UNDER_REVIEW) -> Decision:
    """The decision an edge to "decided" needs; a re-decision (from a decided status) needs a
    new document number."""
    doc_no = "甲改办〔2026〕2号" if source in workflow.DECIDED_STATUSES else "甲改办〔2026〕1号"
    return Decision(disposition="retain", doc_no=doc_no, date=timezone.localdate())


def complete_required_milestones(case: Case, by: User) -> None:
    for milestone in case.milestones.filter(required=True, done=False):
        milestone_complete(
            milestone=milestone, by=by, effective_date=timezone.localdate(), doc_no="测试文号"
        )


def step(case: Case, to: str, by: User) -> Case:
    """Take one workflow edge with everything its guard needs."""
    if to == Status.COMPLETED:
        complete_required_milestones(case, by)
    if to == Status.WITHDRAWN:
        return withdraw(case, by)  # requested, then approved by another admin
    return case_transition(
        case=case,
        to=to,
        by=by,
        reason=f"测试：{to}",
        decision=decision() if to == Status.DECIDED else None,
    )


def walk_to(case: Case, status: str, by: User) -> Case:
    for to in PATHS[status]:
        case = step(case, to, by)
    assert case.status == status
    return case


def test_paths_follow_the_graph():
    for target, path in PATHS.items():
        previous = Status.REGISTERED
        for to in path:
            assert workflow.edge_for(previous, to) is not None, (previous, to)
            previous = to
        assert previous == target


@pytest.mark.parametrize(
    ("source", "target"),
    list(itertools.product(Status.values, Status.values)),
    ids=lambda s: s,
)
def test_every_status_pair(source, target, case_a, alice, carol):
    case = walk_to(case_a, source, carol)
    edge = workflow.edge_for(source, target)
    if target == Status.COMPLETED and source == Status.IN_PROGRESS:
        complete_required_milestones(case, carol)
    before_version = Case.objects.get(pk=case.pk).version
    before_history = case.history.count()

    if edge is None:
        with pytest.raises(TransitionRefused, match="不允许从"):
            case_transition(
                case=case,
                to=target,
                by=carol,
                reason="测试非法变更",
                decision=decision() if target == Status.DECIDED else None,
            )
        fresh = Case.objects.get(pk=case.pk)
        assert fresh.status == source
        assert fresh.version == before_version
        assert case.history.count() == before_history
        return

    by = alice if Role.STAFF in edge.roles else carol
    assert edge.roles <= {Role.STAFF, Role.ADMIN}
    if edge.by_request:  # a withdrawal: never taken directly, only by an approved request
        with pytest.raises(TransitionRefused, match="撤回须由工作人员提出撤回申请"):
            case_transition(case=case, to=target, by=carol, reason="直接撤回")
        assert Case.objects.get(pk=case.pk).version == before_version
        fresh = withdraw(case, alice, reason="测试合法变更")
        assert fresh.status == target and fresh.version == before_version + 1
        assert case.history.count() == before_history + 1
        latest = case.history.latest("history_id")
        assert (
            latest.history_user.role == Role.ADMIN
            and "测试合法变更" in latest.history_change_reason
        )
        return
    result = case_transition(
        case=case,
        to=target,
        by=by,
        reason="测试合法变更",
        decision=decision(source) if target == Status.DECIDED else None,
    )
    fresh = Case.objects.get(pk=case.pk)
    assert result.status == fresh.status == target
    assert fresh.version == before_version + 1
    assert case.history.count() == before_history + 1
    latest = case.history.latest("history_id")
    assert latest.status == target
    assert latest.history_user == by
    assert latest.history_change_reason == "测试合法变更"


# --- roles -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (Status.COMPLETED, Status.CLOSED),
        (Status.COMPLETED, Status.IN_PROGRESS),
        (Status.CLOSED, Status.IN_PROGRESS),
    ],
)
def test_staff_cannot_close_or_reopen(source, target, case_a, alice, carol):
    case = walk_to(case_a, source, carol)
    version = case.version
    with pytest.raises(TransitionRefused, match="只有改革办管理员"):
        case_transition(case=case, to=target, by=alice, reason="试图销号或重新整改")
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.status, fresh.version) == (source, version)


@pytest.mark.parametrize("edge", workflow.EDGES, ids=lambda e: f"{e.source}-{e.target}")
@pytest.mark.parametrize("persona", ["ivan", "vera"])
def test_inspector_and_viewer_never_transition(edge, persona, case_a, carol, request):
    user = request.getfixturevalue(persona)
    case = walk_to(case_a, edge.source, carol)
    if edge.target == Status.COMPLETED:
        complete_required_milestones(case, carol)
    version, history = case.version, case.history.count()
    with pytest.raises(TransitionRefused):
        case_transition(
            case=case,
            to=edge.target,
            by=user,
            reason="无权变更",
            decision=decision() if edge.target == Status.DECIDED else None,
        )
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.status, fresh.version) == (edge.source, version)
    assert case.history.count() == history


def test_staff_of_another_county_refused(case_a, bob):
    with pytest.raises(TransitionRefused, match="不在您的管辖范围内"):
        case_transition(case=case_a, to=Status.UNDER_REVIEW, by=bob, reason="越权")
    assert Case.objects.get(pk=case_a.pk).status == Status.REGISTERED


def test_staff_takes_ordinary_edges_in_own_county(case_a, alice):
    case = walk_to(case_a, Status.COMPLETED, alice)
    assert case.status == Status.COMPLETED


# --- guards ----------------------------------------------------------------------------------


def test_decided_without_anything_names_all_missing(case_a, alice):
    case = step(case_a, Status.UNDER_REVIEW, alice)
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, to=Status.DECIDED, by=alice, reason="作出决定")
    message = str(exc.value)
    for missing in ("处理决定", "决定文号", "决定日期"):
        assert missing in message
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.status == Status.UNDER_REVIEW
    assert fresh.disposition == ""


def test_decided_without_doc_no_names_it(case_a, alice):
    case = step(case_a, Status.UNDER_REVIEW, alice)
    blank_doc = Decision(disposition="retain", doc_no="   ", date=timezone.localdate())
    with pytest.raises(TransitionRefused) as exc:
        case_transition(
            case=case, to=Status.DECIDED, by=alice, reason="作出决定", decision=blank_doc
        )
    message = str(exc.value)
    assert "决定文号" in message
    assert "处理决定、" not in message and "决定日期" not in message
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.status, fresh.disposition, fresh.decision_date) == (
        Status.UNDER_REVIEW,
        "",
        None,
    )


def test_decided_with_a_disposition_of_another_kind_refused(case_a, alice):
    case = step(case_a, Status.UNDER_REVIEW, alice)
    fee_only = Decision(disposition="suspend", doc_no="文号1", date=timezone.localdate())
    with pytest.raises(TransitionRefused, match="不适用"):
        case_transition(
            case=case, to=Status.DECIDED, by=alice, reason="作出决定", decision=fee_only
        )
    assert Case.objects.get(pk=case.pk).status == Status.UNDER_REVIEW


def test_decision_is_recorded(case_a, alice):
    case = walk_to(case_a, Status.DECIDED, alice)
    assert case.disposition == "retain"
    assert case.decision_doc_no == "甲改办〔2026〕1号"
    assert case.decision_date == timezone.localdate()


def test_completed_with_pending_required_milestone_names_it(case_a, alice):
    case = walk_to(case_a, Status.IN_PROGRESS, alice)
    for milestone in case.milestones.filter(required=True).exclude(code="meeting"):
        milestone_complete(
            milestone=milestone, by=alice, effective_date=timezone.localdate(), doc_no="文号"
        )
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, to=Status.COMPLETED, by=alice, reason="完成")
    assert "常务会议审定" in str(exc.value)
    assert "摸底申报" not in str(exc.value)
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS


def test_optional_milestone_does_not_block_completion(case_a, alice):
    case = walk_to(case_a, Status.COMPLETED, alice)
    assert case.milestones.get(code="follow_up").done is False


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_missing_reason_refused(reason, case_a, carol):
    with pytest.raises(TransitionRefused, match="原因"):
        case_transition(case=case_a, to=Status.UNDER_REVIEW, by=carol, reason=reason)
    fresh = Case.objects.get(pk=case_a.pk)
    assert (fresh.status, fresh.version) == (Status.REGISTERED, case_a.version)
    assert case_a.history.count() == 1


# --- overdue is derived ----------------------------------------------------------------------


def test_overdue_is_derived_from_deadline(county_a, alice):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)):
        late = make_case("item", county_a, alice, deadline=datetime.date(2026, 6, 30))
        on_time = make_case("fee", county_a, alice, deadline=datetime.date(2026, 12, 31))
        withdrawn = make_case("item", county_a, alice, deadline=datetime.date(2026, 6, 30))
        withdraw(withdrawn, alice, reason="重复登记")
        assert not late.is_overdue()
        assert not Case.objects.overdue().exists()

    with time_machine.travel(datetime.datetime(2026, 6, 30, 10, 0, tzinfo=datetime.UTC)):
        assert not late.is_overdue()  # due today is not yet overdue
        assert not Case.objects.overdue().exists()

    with time_machine.travel(datetime.datetime(2026, 7, 1, 10, 0, tzinfo=datetime.UTC)):
        late.refresh_from_db()
        withdrawn.refresh_from_db()
        assert late.is_overdue()
        assert late.days_overdue() == 1
        assert not on_time.is_overdue()
        assert not withdrawn.is_overdue()  # only open cases are overdue
        assert list(Case.objects.overdue()) == [late]
        stored = Case.objects.filter(pk=late.pk).values_list("status", flat=True).get()
        assert stored == Status.REGISTERED  # nothing written: overdue is not a status

    assert late.is_overdue(today=datetime.date(2026, 7, 1))
    assert list(Case.objects.overdue(today=datetime.date(2026, 6, 30))) == []
