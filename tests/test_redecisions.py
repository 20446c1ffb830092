"""A decision stays true: once taken, its disposition, number and date change only through a
re-decision (回头看：重新决定) by an admin, with a new number, date and reason; the old one is
kept as superseded and shown on the case page. The edit service, the import and every other
path refuse to change it (issue "Decisions that stay true")."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.test_import_support import ITEM_HEADER, item_row, preview, run_import, xlsx_bytes
from tests.test_workflow import walk_to
from tracker.cases.decisions import SupersededDecision
from tracker.cases.services import Decision, TransitionRefused, case_transition, case_update
from tracker.cases.workflow import Status
from tracker.models import Case

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def redecide(case, by, *, doc_no="甲改办〔2026〕9号", date=TODAY, disposition="cancel"):
    return case_transition(
        case=case,
        to=Status.DECIDED,
        by=by,
        reason="回头看：依据上级清理意见重新决定",
        decision=Decision(disposition=disposition, doc_no=doc_no, date=date),
    )


@pytest.mark.parametrize("status", [Status.DECIDED, Status.IN_PROGRESS, Status.COMPLETED])
def test_case_update_refuses_to_change_a_taken_decision(case_a, carol, status):
    case = walk_to(case_a, status, carol)
    before = (case.disposition, case.decision_doc_no, case.decision_date, case.version)
    changes = [
        {"disposition": "cancel"},
        {"decision_doc_no": "甲改办〔2026〕99号"},
        {"decision_date": TODAY - datetime.timedelta(days=3)},
    ]
    for change in changes:
        with pytest.raises(ValidationError, match="决定已作出"):
            case_update(
                case=case,
                by=carol,
                expected_version=case.version,
                case_fields=change,
                reason="直接改决定",
            )
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.disposition, fresh.decision_doc_no, fresh.decision_date, fresh.version) == before


def test_case_update_may_still_set_the_same_decision_and_other_fields(case_a, carol):
    case = walk_to(case_a, Status.IN_PROGRESS, carol)
    updated = case_update(
        case=case,
        by=carol,
        expected_version=case.version,
        case_fields={"disposition": case.disposition, "deadline": TODAY.replace(month=12, day=31)},
        reason="调整完成时限",
    )
    assert updated.version == case.version + 1


def test_a_re_decision_supersedes_the_old_one(case_a, carol, alice):
    case = walk_to(case_a, Status.COMPLETED, carol)
    old = (case.disposition, case.decision_doc_no, case.decision_date)
    case = redecide(case, carol)
    assert (case.status, case.disposition, case.decision_doc_no) == (
        Status.DECIDED,
        "cancel",
        "甲改办〔2026〕9号",
    )
    kept = SupersededDecision.objects.get(case=case)
    assert (kept.disposition, kept.decision_doc_no, kept.decision_date) == old
    assert (kept.status_before, kept.new_doc_no, kept.superseded_by) == (
        Status.COMPLETED,
        "甲改办〔2026〕9号",
        carol,
    )
    assert kept.history.get().history_user == carol  # in the history (and the chain)
    latest = case.history.latest("history_id")
    assert latest.history_change_reason == "回头看：依据上级清理意见重新决定"


def test_a_closed_case_is_re_decided_too(case_a, carol):
    case = redecide(walk_to(case_a, Status.CLOSED, carol), carol)
    assert case.status == Status.DECIDED
    assert SupersededDecision.objects.filter(case=case, status_before=Status.CLOSED).exists()


def test_only_an_admin_re_decides(case_a, alice, carol):
    case = walk_to(case_a, Status.IN_PROGRESS, carol)
    with pytest.raises(TransitionRefused, match="只有改革办管理员"):
        redecide(case, alice)
    assert not SupersededDecision.objects.exists()
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"doc_no": "甲改办〔2026〕1号"}, "新的决定文号"),  # the old number again
        ({"date": TODAY - datetime.timedelta(days=30)}, "不能早于原决定日期"),
        ({"date": TODAY + datetime.timedelta(days=1)}, "不能晚于今天"),
    ],
)
def test_a_re_decision_needs_its_own_document(case_a, carol, kwargs, message):
    case = walk_to(case_a, Status.DECIDED, carol)
    version = case.version
    with pytest.raises(TransitionRefused, match=message):
        redecide(case, carol, **kwargs)
    assert not SupersededDecision.objects.exists()
    assert Case.objects.get(pk=case.pk).version == version


def test_a_re_decision_without_a_decision_is_refused(case_a, carol):
    case = walk_to(case_a, Status.DECIDED, carol)
    with pytest.raises(TransitionRefused, match="重新决定须填写"):
        case_transition(case=case, to=Status.DECIDED, by=carol, reason="回头看")
    assert not SupersededDecision.objects.exists()


def test_the_case_page_shows_the_superseded_decision(client_as, case_a, carol, alice):
    case = redecide(walk_to(case_a, Status.IN_PROGRESS, carol), carol)
    page = client_as(alice).get(reverse("tracker:case_detail", args=[case.reference]))
    html = page.content.decode()
    assert 'id="superseded-decisions"' in html and "已被取代" in html
    assert "甲改办〔2026〕1号" in html and "甲改办〔2026〕9号" in html
    # the admin is offered the re-decision, starting from a blank document
    admin_page = client_as(carol).get(reverse("tracker:case_detail", args=[case.reference]))
    assert "回头看：重新决定" in admin_page.content.decode()
    staff_actions = [str(edge.label) for edge, _f in page.context["transition_forms"]]
    assert "回头看：重新决定" not in staff_actions


def test_the_re_decision_form_posts_a_new_decision(client_as, case_a, carol):
    case = walk_to(case_a, Status.IN_PROGRESS, carol)
    url = reverse("tracker:case_transition", args=[case.reference, Status.DECIDED])
    response = client_as(carol).post(
        url,
        {
            "reason": "回头看：复核后改为取消",
            "disposition": "cancel",
            "decision_doc_no": "甲改办〔2026〕12号",
            "decision_date": TODAY.isoformat(),
        },
    )
    assert response.status_code in (200, 302)
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.status, fresh.decision_doc_no) == (Status.DECIDED, "甲改办〔2026〕12号")
    assert SupersededDecision.objects.get(case=fresh).decision_doc_no == "甲改办〔2026〕1号"


def _decided_item(alice, carol, county_a, dept_a):
    report = run_import(
        xlsx_bytes([ITEM_HEADER, item_row(1, "事项一", dept_a.name)]), alice, county_a
    )
    assert report.committed, report.errors
    return walk_to(Case.objects.get(), Status.COMPLETED, carol)


def test_an_import_that_would_change_a_decision_is_refused_per_row(alice, carol, county_a, dept_a):
    case = _decided_item(alice, carol, county_a, dept_a)
    before = (case.disposition, case.decision_doc_no, case.version, case.history.count())
    changed = item_row(1, "事项一", dept_a.name, disposition="取消")
    data = xlsx_bytes([ITEM_HEADER, changed])
    report = preview(data, alice, county_a, on_duplicate="update")
    [row] = report.rows
    assert row.outcome == "error"
    assert any("决定已作出：请走回头看" in message for _c, message in row.errors), row.errors
    report = run_import(data, alice, county_a, on_duplicate="update")
    assert not report.committed
    fresh = Case.objects.get(pk=case.pk)
    after = (fresh.disposition, fresh.decision_doc_no, fresh.version, fresh.history.count())
    assert after == before  # nothing written
