"""One version per user action: a registration is one logical version, and a login is none."""

from __future__ import annotations

import pytest
from django.test import Client

from intermediaries.models import ApprovalItem
from tests.factories import PASSWORD, make_case
from tracker.audit import timeline
from tracker.cases import services
from tracker.cases.registry import get_kind
from tracker.models import User

pytestmark = pytest.mark.django_db


def test_registration_rows_share_one_instant(alice, county_a, dept_a):
    case = make_case("item", county_a, alice, department=dept_a)
    instants = {case.history.get().history_date}
    instants |= {h.history_date for h in case.subject.history.all()}
    instants |= {h.history_date for m in case.milestones.all() for h in m.history.all()}
    assert len(instants) == 1


def test_first_timeline_entry_shows_the_whole_registration(alice, county_a, dept_a):
    case = make_case("item", county_a, alice, department=dept_a)
    entries = timeline.case_timeline(case).entries
    assert len(entries) == 1, [(e.source, e.action) for e in entries]
    first = entries[0]
    assert first.source == "case" and first.action == "create"
    fields = {c.field: c.new for c in first.changes}
    assert fields["中介服务事项名称"] == "建设项目环境影响评价报告编制"
    milestone_names = [c.new for c in first.changes if c.field == "进度节点"]
    assert milestone_names == [m.name for m in case.milestones.order_by("order")]


def test_many_to_many_values_are_part_of_the_registration(alice, county_a, dept_a):
    approval = ApprovalItem.objects.create(
        jurisdiction=county_a, department=dept_a, name="建设项目用地预审"
    )
    case = services.case_create(
        kind=get_kind("item"),
        jurisdiction=county_a,
        by=alice,
        case_fields={"department": dept_a},
        subject_fields={"name": "用地预审技术报告编制"},
        m2m={"approval_items": [approval]},
    )
    entries = timeline.case_timeline(case).entries
    assert len(entries) == 1
    assert "建设项目用地预审" in entries[0].changes_text()
    state = timeline.case_state_as_of(case, case.history.get().history_date)
    assert "建设项目用地预审" in " ".join(str(v.value) for v in state.subject_fields)


def test_as_of_and_compare_at_registration_show_the_subject(alice, county_a, dept_a):
    case = make_case("item", county_a, alice, department=dept_a)
    at = case.history.get().history_date
    state = timeline.case_state_as_of(case, at)
    values = {v.label: v.value for v in state.subject_fields}
    assert values["中介服务事项名称"] == "建设项目环境影响评价报告编制"
    assert len(state.milestones) == case.milestones.count() > 0


def test_later_saves_are_new_versions(alice, county_a, dept_a):
    case = make_case("item", county_a, alice, department=dept_a)
    updated = services.case_update(
        case=case,
        by=alice,
        expected_version=case.version,
        case_fields={"title": "改名后的标题"},
        reason="更正",
    )
    dates = list(updated.history.order_by("history_id").values_list("history_date", flat=True))
    assert len(dates) == 2 and dates[1] > dates[0]
    assert len(timeline.case_timeline(updated).entries) == 2


def test_a_login_writes_no_history(alice):
    before = User.history.count()
    client = Client()
    response = client.post("/accounts/login/", {"username": alice.username, "password": PASSWORD})
    assert response.status_code in (200, 302)
    assert User.history.count() == before
    alice.refresh_from_db()
    assert alice.last_login is not None
