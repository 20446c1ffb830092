"""The case timeline: diffs with human labels across case, subject, milestones, transitions,
evidence and notes; filters; pagination with a constant query count; as-of views; compare."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from intermediaries.models import ApprovalItem
from tests.factories import make_case
from tracker.audit import timeline
from tracker.cases import services
from tracker.cases.workflow import Status
from tracker.models import Case, Evidence, Milestone, User


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def local(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


@dataclass
class Story:
    case: Case
    evidence: Evidence
    milestone: Milestone
    approval: ApprovalItem


@pytest.fixture
def story(alice, county_a, dept_a) -> Story:
    """An intermediary item case edited over March–April 2024 (times are Asia/Shanghai)."""
    alice.last_name, alice.first_name = "张", "三"
    alice.save()
    approval = ApprovalItem.objects.create(jurisdiction=county_a, name="建设工程规划许可")
    with time_machine.travel(local(2024, 3, 1, 9, 0), tick=True):
        case = make_case(
            "item",
            county_a,
            alice,
            department=dept_a,
            registered_on=datetime.date(2024, 3, 1),
            deadline=datetime.date(2024, 12, 31),
            name="施工图审查",
        )
    with time_machine.travel(local(2024, 3, 5, 10, 0), tick=True):
        services.case_update(
            case=case,
            by=alice,
            expected_version=1,
            case_fields={"deadline": datetime.date(2024, 11, 30)},
            subject_fields={"name": "施工图设计文件审查", "provider_nature": "institution"},
            m2m={"approval_items": [approval]},
            reason="核实后修改",
        )
    with time_machine.travel(local(2024, 3, 10, 10, 0), tick=True):
        case = services.case_transition(
            case=case, to=Status.UNDER_REVIEW, by=alice, reason="开始核查"
        )
    with time_machine.travel(local(2024, 3, 15, 10, 0), tick=True):
        evidence = services.evidence_add(
            case=case,
            by=alice,
            title="摸底申报表",
            upload=None,
            doc_no="甲住建〔2024〕3号",
            effective_date=datetime.date(2024, 3, 14),
            max_bytes=1024,
        )
    milestone = case.milestones.order_by("order").first()
    with time_machine.travel(local(2024, 3, 20, 10, 0), tick=True):
        services.milestone_complete(
            milestone=milestone,
            by=alice,
            effective_date=datetime.date(2024, 3, 18),
            doc_no="甲政办〔2024〕1号",
            evidence=evidence,
        )
    with time_machine.travel(local(2024, 4, 1, 10, 0), tick=True):
        case = services.case_transition(
            case=case,
            to=Status.DECIDED,
            by=alice,
            reason="常务会议审定",
            decision=services.Decision("retain", "甲政发〔2024〕9号", datetime.date(2024, 3, 30)),
        )
    with time_machine.travel(local(2024, 4, 2, 10, 0), tick=True):
        newer = services.evidence_add(
            case=case,
            by=alice,
            title="摸底申报表（修订）",
            upload=None,
            doc_no="甲住建〔2024〕5号",
            max_bytes=1024,
        )
        services.evidence_supersede(old=evidence, new=newer, by=alice, reason="原表有误")
        services.note_add(case=case, by=alice, text="已通知部门修订办事指南")
    return Story(case=case, evidence=evidence, milestone=milestone, approval=approval)


def changes_of(entry: timeline.TimelineEntry) -> dict[str, tuple[str, str]]:
    return {c.field: (c.old, c.new) for c in entry.changes}


def find(entries, action: str, label_start: str = "") -> timeline.TimelineEntry:
    return next(e for e in entries if e.action == action and e.object_label.startswith(label_start))


# --- diffs ----------------------------------------------------------------------------------


def test_timeline_is_newest_first_and_merges_every_source(story):
    entries = timeline.case_history(story.case)
    assert [e.when for e in entries] == sorted((e.when for e in entries), reverse=True)
    assert {e.source for e in entries} >= {"case", "subject.item", "milestone", "evidence", "note"}
    assert entries[0].action == "note"


def test_transition_diff_has_labels_and_effective_date(story):
    entries = timeline.case_history(story.case)
    decided = next(e for e in entries if e.action == "transition" and "甲政发" in e.changes_text())
    diff = changes_of(decided)
    assert diff["状态"] == ("核查中", "已决定")
    assert diff["处理决定"] == ("", "保留")  # the choice label, not "retain"
    assert diff["决定文号"] == ("", "甲政发〔2024〕9号")
    assert decided.effective_date == datetime.date(2024, 3, 30)
    assert decided.reason == "常务会议审定"
    assert str(decided.user) == "张三"
    review = next(e for e in entries if e.reason == "开始核查")
    assert review.action == "transition"
    assert changes_of(review)["状态"] == ("已登记", "核查中")


def test_subject_and_case_update_diffs(story):
    entries = timeline.case_history(story.case)
    subject = [e for e in entries if e.source == "subject.item" and e.reason == "核实后修改"]
    diffs = {}
    for e in subject:
        assert e.action == "update"
        diffs.update(changes_of(e))
    assert diffs["中介服务事项名称"] == ("施工图审查", "施工图设计文件审查")
    assert diffs["机构性质"] == ("", "事业单位")
    assert diffs["涉及的审批事项"] == ("", "建设工程规划许可")
    case_update = next(e for e in entries if e.source == "case" and e.reason == "核实后修改")
    assert case_update.action == "update"
    assert changes_of(case_update) == {"完成时限": ("2024-12-31", "2024-11-30")}


def test_milestone_diff_names_related_objects(story):
    entries = timeline.case_history(story.case)
    done = find(entries, "milestone", "进度节点：摸底申报")
    diff = changes_of(done)
    assert diff["已完成"] == ("否", "是")
    assert diff["实际完成日期"] == ("", "2024-03-18")
    assert diff["文号"] == ("", "甲政办〔2024〕1号")
    assert diff["佐证材料"] == ("", "摸底申报表")  # the evidence's name, not its id
    assert diff["记录人"] == ("", "张三")
    assert done.effective_date == datetime.date(2024, 3, 18)


def test_creation_shows_initial_values_by_name(story, dept_a, county_a):
    entries = timeline.case_history(story.case)
    created = next(e for e in entries if e.source == "case" and e.action == "create")
    diff = changes_of(created)
    assert diff["责任部门"] == ("", dept_a.name)
    assert diff["行政区划"] == ("", county_a.name)
    assert diff["类别"] == ("", "中介服务事项")
    evidence = [e for e in entries if e.source == "evidence"]
    assert {e.action for e in evidence} == {"evidence"}
    superseded = next(e for e in evidence if e.reason == "原表有误")
    assert changes_of(superseded)["被替换为"] == ("", "摸底申报表（修订）")


def test_filters_by_action_and_user(story, carol):
    services.note_add(case=story.case, by=carol, text="市里复核")
    only_transitions = timeline.case_timeline(story.case, action="transition").entries
    assert {e.reason for e in only_transitions} == {"开始核查", "常务会议审定"}
    assert timeline.case_timeline(story.case, action="withdraw").count == 0
    by_carol = timeline.case_timeline(story.case, user_id=carol.pk).entries
    assert [e.action for e in by_carol] == ["note"]
    updates = timeline.case_timeline(story.case, action="update").entries
    assert {e.source for e in updates} == {"case", "subject.item"}
    assert {e.reason for e in updates} == {"核实后修改"}
    with pytest.raises(timeline.TimelineError):
        timeline.case_timeline(story.case, action="bogus")


def test_pagination(story):
    everything = timeline.case_timeline(story.case, per_page=500)
    first = timeline.case_timeline(story.case, per_page=5)
    second = timeline.case_timeline(story.case, per_page=5, page=2)
    assert first.count == everything.count == len(everything.entries)
    assert [e.point for e in first.entries + second.entries] == [
        e.point for e in everything.entries[:10]
    ]
    assert timeline.case_timeline(story.case, per_page=5, page="zz").entries == first.entries


def test_history_page_query_count_is_constant(
    client_as, alice, county_a, dept_a, django_assert_max_num_queries
):
    case = make_case("item", county_a, alice, department=dept_a)
    client = client_as(alice)
    url = reverse("tracker:case_history", args=[case.reference])
    with django_assert_max_num_queries(30):
        assert client.get(url).status_code == 200
    for i in range(70):
        services.note_add(case=case, by=alice, text=f"备注{i}")
        case = services.case_update(
            case=case,
            by=alice,
            expected_version=case.version,
            case_fields={"deadline": datetime.date(2030, 1, 1) + datetime.timedelta(days=i)},
            reason=f"修改{i}",
        )
    with django_assert_max_num_queries(30):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["history"]) == 50
    with django_assert_max_num_queries(30):
        assert client.get(reverse("tracker:case_detail", args=[case.reference])).status_code == 200


def test_history_page_filters_and_bad_filter_values(client_as, story, alice):
    client = client_as(alice)
    url = reverse("tracker:case_history", args=[story.case.reference])
    response = client.get(url, {"action": "transition"})
    assert {e.action for e in response.context["history"]} == {"transition"}
    response = client.get(url, {"user": alice.pk, "action": "milestone"})
    assert [e.action for e in response.context["history"]] == ["milestone"]
    for bad in ({"action": "nope"}, {"user": "abc"}, {"user": "999999"}, {"page": "-3"}):
        response = client.get(url, bad)
        assert response.status_code == 200
    response = client.get(url, {"action": "nope"})
    assert "筛选条件有误" in response.content.decode()


# --- as-of ------------------------------------------------------------------------------------


def test_state_as_of_returns_the_old_state_after_later_edits(story):
    state = timeline.case_state_as_of(story.case, local(2024, 3, 12, 0, 0))
    assert state.case.status == Status.UNDER_REVIEW
    assert state.case.deadline == datetime.date(2024, 11, 30)
    assert state.case.disposition == ""
    subject = {v.label: v.value for v in state.subject_fields}
    assert subject["中介服务事项名称"] == "施工图设计文件审查"
    assert subject["机构性质"] == "事业单位"
    assert subject["涉及的审批事项"] == "建设工程规划许可"
    assert not any(m.done for m in state.milestones)
    assert state.evidence == []
    before_edit = timeline.case_state_as_of(story.case, local(2024, 3, 2, 0, 0))
    assert before_edit.case.deadline == datetime.date(2024, 12, 31)
    assert {v.label: v.value for v in before_edit.subject_fields}[
        "中介服务事项名称"
    ] == "施工图审查"
    assert {v.label: v.value for v in before_edit.subject_fields}["涉及的审批事项"] == ""
    mid = timeline.case_state_as_of(story.case, local(2024, 3, 25, 0, 0))
    assert [m.done for m in mid.milestones][:2] == [True, False]
    assert [e.title for e in mid.evidence] == ["摸底申报表"]
    assert mid.evidence[0].superseded_by_id is None
    assert timeline.case_state_as_of(story.case, local(2024, 2, 1, 0, 0)) is None


def test_as_of_page_is_marked_historical_and_read_only(client_as, story, alice):
    client = client_as(alice)
    url = reverse("tracker:case_detail", args=[story.case.reference])
    response = client.get(url, {"as_of": "2024-03-12"})
    assert response.status_code == 200
    ctx = response.context
    assert ctx["historical"] is True
    assert ctx["case"].status == Status.UNDER_REVIEW
    assert ctx["case"].deadline == datetime.date(2024, 11, 30)
    assert ctx["actions"] == [] and ctx["can_edit"] is False
    assert ctx["evidence_list"] == []
    assert all(e.when <= ctx["as_of"] for e in ctx["history"])
    body = response.content.decode()
    assert 'id="historical-banner"' in body and "2024-03-12 23:59:59" in body
    assert reverse("tracker:case_edit", args=[story.case.reference]) not in body
    # a date includes the whole day; a minute the whole minute
    assert client.get(url, {"as_of": "2024-03-10"}).context["case"].status == Status.UNDER_REVIEW
    assert client.get(url, {"as_of": "2024-03-10T09:59"}).context["case"].status == "registered"
    later = client.get(url, {"as_of": "2024-04-03T08:00"}).context
    assert later["case"].status == Status.DECIDED
    assert later["case"].disposition_label() == "保留"
    superseded = next(e for e in later["evidence_list"] if e.title == "摸底申报表")
    assert superseded.superseded_by.title == "摸底申报表（修订）"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2999-01-01", "晚于当前时间"),
        ("2024-13-45", "格式不正确"),
        ("2024-02-30", "格式不正确"),
        ("yesterday", "格式不正确"),
        ("2024-03-01T25:00", "格式不正确"),
        ("2024-03-01T10:00Z", "格式不正确"),
    ],
)
def test_as_of_bad_input_gives_a_clear_message(client_as, story, alice, value, message):
    response = client_as(alice).get(
        reverse("tracker:case_detail", args=[story.case.reference]), {"as_of": value}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["historical"] is False


def test_empty_as_of_means_now(client_as, story, alice):
    response = client_as(alice).get(
        reverse("tracker:case_detail", args=[story.case.reference]), {"as_of": ""}
    )
    assert response.status_code == 200 and response.context["historical"] is False


def test_as_of_before_registration(client_as, story, alice):
    response = client_as(alice).get(
        reverse("tracker:case_detail", args=[story.case.reference]), {"as_of": "2024-02-01"}
    )
    assert response.status_code == 200
    assert "尚未登记" in response.content.decode()


def test_as_of_query_count_is_bounded(client_as, story, alice, django_assert_max_num_queries):
    client = client_as(alice)
    # 36: a fixed set of queries (the superseded decisions as of the moment are one of them)
    with django_assert_max_num_queries(36):
        response = client.get(
            reverse("tracker:case_detail", args=[story.case.reference]), {"as_of": "2024-03-25"}
        )
    assert response.status_code == 200


def test_parse_as_of():
    now = local(2024, 5, 1, 12, 0)
    assert timeline.parse_as_of("2024-04-30", now) == local(2024, 4, 30, 23, 59, 59, 999999)
    assert timeline.parse_as_of("2024-04-30T08:15", now) == local(2024, 4, 30, 8, 15, 59, 999999)
    assert timeline.parse_as_of("2024-05-01", now) == now  # today: up to now
    with pytest.raises(timeline.TimelineError):
        timeline.parse_as_of("2024-05-01T12:01", now)


# --- compare ----------------------------------------------------------------------------------


def point_of(case: Case, source: str, reason: str) -> str:
    entry = next(
        e for e in timeline.case_history(case) if e.source == source and e.reason == reason
    )
    return entry.point


def test_compare_two_versions_highlights_changed_fields(client_as, story, alice):
    a = next(
        e.point
        for e in timeline.case_history(story.case)
        if e.source == "case" and e.action == "create"
    )
    b = point_of(story.case, "case", "常务会议审定")
    response = client_as(alice).get(
        reverse("audit:case_compare", args=[story.case.reference]), {"a": a, "b": b}
    )
    assert response.status_code == 200
    rows = {(s.title, r.label): r for s in response.context["sections"] for r in s.rows}
    assert rows[("办理信息", "状态")].a == "已登记" and rows[("办理信息", "状态")].b == "已决定"
    assert rows[("办理信息", "状态")].changed
    assert rows[("办理信息", "完成时限")].changed
    assert not rows[("办理信息", "行政区划")].changed
    assert rows[("登记信息", "中介服务事项名称")].b == "施工图设计文件审查"
    assert rows[("进度节点", "摸底申报")].changed
    assert rows[("佐证材料", "摸底申报表")].a == ""
    body = response.content.decode()
    assert 'class="changed"' in body


def test_compare_with_current_state_and_order(client_as, story, alice):
    b = point_of(story.case, "case", "开始核查")
    response = client_as(alice).get(
        reverse("audit:case_compare", args=[story.case.reference]), {"a": b}
    )
    assert response.status_code == 200
    assert response.context["b_point"] is None  # B is the current state
    status = next(r for r in response.context["sections"][0].rows if r.label == "状态")
    assert (status.a, status.b) == ("核查中", "已决定")


def test_compare_versions_of_different_cases_is_404(client_as, story, alice, county_a):
    """Another case's version id answers 404 and names nothing (issue 19, finding 4)."""
    other = make_case("item", county_a, alice)
    foreign = next(e.point for e in timeline.case_history(other))
    own = next(e.point for e in timeline.case_history(story.case))
    response = client_as(alice).get(
        reverse("audit:case_compare", args=[story.case.reference]), {"a": own, "b": foreign}
    )
    assert response.status_code == 404
    assert other.reference not in response.content.decode()


def test_compare_cannot_step_through_another_countys_history(client_as, story, alice, bob):
    """bob compares his own case against every history id there is: each one of alice's
    county answers 404 without naming her case (the leak of issue 19, finding 4)."""
    own = make_case("item", bob.jurisdiction, bob)
    client = client_as(bob)
    url = reverse("audit:case_compare", args=[own.reference])
    own_ids = {e.point for e in timeline.case_history(own)}
    foreign = [e.point for e in timeline.case_history(story.case)]
    assert foreign and not own_ids & set(foreign)
    for token in foreign:
        response = client.get(url, {"a": token})
        assert response.status_code == 404, token
        assert story.case.reference not in response.content.decode()


@pytest.mark.parametrize(
    "token",
    ["garbage", "case:", "nosuch:12", "case:9999999999999999999", "register.tracker.user:1"],
)
def test_compare_bad_tokens(client_as, story, alice, token):
    response = client_as(alice).get(
        reverse("audit:case_compare", args=[story.case.reference]), {"a": token}
    )
    assert response.status_code == 400
    assert response.context["error"]


def test_compare_with_an_unknown_history_id_is_404(client_as, story, alice):
    response = client_as(alice).get(
        reverse("audit:case_compare", args=[story.case.reference]), {"a": "case:999999999"}
    )
    assert response.status_code == 404


def test_compare_without_versions_explains(client_as, story, alice):
    response = client_as(alice).get(reverse("audit:case_compare", args=[story.case.reference]))
    assert response.status_code == 200
    assert "选择两个版本" in response.content.decode()


def test_compare_out_of_scope_is_404(client_as, story, bob):
    response = client_as(bob).get(reverse("audit:case_compare", args=[story.case.reference]))
    assert response.status_code == 404


def test_selectors_case_history_still_works(story):
    from tracker.cases import selectors

    assert [e.point for e in selectors.case_history(story.case)] == [
        e.point for e in timeline.case_history(story.case)
    ]
    assert isinstance(timeline.case_history(story.case)[0].user, User)
