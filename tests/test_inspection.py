"""The inspector workspace: inspection notes, flags, review markers and "changed since my last
review"; none of it changes case data, and inspectors get 403 on every case write. The read
log records views of officials' post cases. History is read-only in the admin."""

from __future__ import annotations

import datetime

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

import tracker.audit.urls
import tracker.cases.urls
from intermediaries.models import IntermediaryItem, OfficialPost
from tests.factories import make_case
from tracker.audit import services as inspection_services
from tracker.audit import timeline
from tracker.cases import services
from tracker.cases.workflow import Status
from tracker.models import (
    AccessLog,
    Case,
    CaseFlag,
    Evidence,
    InspectionNote,
    Milestone,
    Note,
    ReviewMarker,
)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def case_snapshot(case: Case) -> tuple:
    """Everything an inspector must never change: the case and subject rows and all history."""
    fresh = Case.objects.get(pk=case.pk)
    subject = fresh.subject
    return (
        model_to_dict(fresh),
        fresh.updated_at,
        model_to_dict(subject),
        Case.history.count(),
        type(subject).history.count(),
        Milestone.history.count(),
        Evidence.history.count(),
        Note.history.count(),
        list(fresh.milestones.values()),
    )


def detail(case: Case) -> str:
    return reverse("tracker:case_detail", args=[case.reference])


# --- each inspector action leaves case data unchanged ------------------------------------------


def test_inspector_actions_leave_case_data_unchanged(client_as, case_a, ivan):
    client = client_as(ivan)
    before = case_snapshot(case_a)
    ref = case_a.reference

    response = client.post(
        reverse("audit:inspection_note_add", args=[ref]), {"text": "请补充五分开核查材料"}
    )
    assert response.status_code == 302
    assert InspectionNote.objects.get(case=case_a).author == ivan
    assert case_snapshot(case_a) == before

    client.post(
        reverse("audit:flag_raise", args=[ref]),
        {"flag_type": "insufficient_evidence", "description": "缺少批复文件"},
    )
    flag = CaseFlag.objects.get(case=case_a)
    assert flag.state == "open" and flag.raised_by == ivan
    assert case_snapshot(case_a) == before

    client.post(reverse("audit:flag_resolve", args=[flag.pk]), {"resolution": "已补充批复"})
    flag.refresh_from_db()
    assert (flag.state, flag.resolved_by, flag.resolution) == ("resolved", ivan, "已补充批复")
    assert flag.resolved_at is not None
    assert case_snapshot(case_a) == before

    client.post(reverse("audit:review_mark", args=[ref]))
    assert ReviewMarker.objects.get(case=case_a, inspector=ivan)
    assert case_snapshot(case_a) == before

    for url in (
        detail(case_a),
        reverse("tracker:case_history", args=[ref]),
        reverse("audit:case_compare", args=[ref]),
        reverse("audit:log"),
        reverse("audit:export") + "?format=xlsx",
        reverse("audit:review_list"),
        reverse("audit:flag_list"),
        reverse("audit:access_log"),
    ):
        assert client.get(url).status_code == 200, url
    assert case_snapshot(case_a) == before


def test_inspection_rows_are_in_history_and_the_timeline(case_a, ivan):
    inspection_services.inspection_note_add(case=case_a, by=ivan, text="意见")
    flag = inspection_services.case_flag_raise(
        case=case_a, by=ivan, flag_type="sham_decoupling", description="人员仍在机关"
    )
    inspection_services.case_flag_resolve(flag=flag, by=ivan, resolution="核实无误")
    entries = timeline.case_timeline(case_a, action="inspection").entries
    assert [e.object_label for e in entries] == [
        "检查标记：疑似假脱钩",
        "检查标记：疑似假脱钩",
        "检查意见",
    ]
    resolved = dict((c.field, (c.old, c.new)) for c in entries[0].changes)
    assert resolved["状态"] == ("未处理", "已处理")
    assert resolved["处理人"] == ("", str(ivan))


def test_inspection_notes_are_append_only_and_need_text(client_as, case_a, ivan):
    client = client_as(ivan)
    response = client.post(
        reverse("audit:inspection_note_add", args=[case_a.reference]), {"text": "  "}, follow=True
    )
    assert not InspectionNote.objects.exists()
    assert "检查意见" in response.content.decode()
    names = {p.name for p in tracker.audit.urls.urlpatterns}
    assert not any("edit" in n or "delete" in n for n in names)


def test_flag_rules(client_as, case_a, ivan):
    client = client_as(ivan)
    ref = case_a.reference
    response = client.post(
        reverse("audit:flag_raise", args=[ref]), {"flag_type": "nonsense", "description": "x"}
    )
    assert response.status_code == 302 and not CaseFlag.objects.exists()
    flag = inspection_services.case_flag_raise(
        case=case_a, by=ivan, flag_type="overdue_explanation", description="请说明逾期原因"
    )
    response = client.post(reverse("audit:flag_resolve", args=[flag.pk]), {"resolution": ""})
    flag.refresh_from_db()
    assert flag.state == "open"
    client.post(reverse("audit:flag_resolve", args=[flag.pk]), {"resolution": "已说明"})
    response = client.post(
        reverse("audit:flag_resolve", args=[flag.pk]), {"resolution": "再次"}, follow=True
    )
    assert "已处理，不能重复处理" in response.content.decode()
    flag.refresh_from_db()
    assert flag.resolution == "已说明"


@pytest.mark.parametrize("persona", ["alice", "carol", "vera"])
def test_only_inspectors_write_the_workspace(client_as, case_a, request, persona):
    user = request.getfixturevalue(persona)
    client = client_as(user)
    ref = case_a.reference
    for url, data in (
        (reverse("audit:inspection_note_add", args=[ref]), {"text": "x"}),
        (reverse("audit:flag_raise", args=[ref]), {"flag_type": "other", "description": "x"}),
        (reverse("audit:review_mark", args=[ref]), {}),
    ):
        assert client.post(url, data).status_code == 403
    assert not InspectionNote.objects.exists() and not CaseFlag.objects.exists()


def test_workspace_is_scoped(client_as, case_a, county_b, ivan):
    from tests.factories import UserFactory
    from tracker.cases.workflow import Role

    irene = UserFactory(username="irene", role=Role.INSPECTOR, jurisdiction=county_b)
    client = client_as(irene)
    ref = case_a.reference
    assert (
        client.post(reverse("audit:inspection_note_add", args=[ref]), {"text": "x"}).status_code
        == 404
    )
    flag = inspection_services.case_flag_raise(
        case=case_a, by=ivan, flag_type="other", description="x"
    )
    assert (
        client.post(reverse("audit:flag_resolve", args=[flag.pk]), {"resolution": "x"}).status_code
        == 404
    )


# --- inspectors cannot change case data -------------------------------------------------------

WRITE_VIEWS = {
    "case_new": lambda c, m, e: reverse("tracker:case_new"),
    "case_create": lambda c, m, e: reverse("tracker:case_create", args=["item"]),
    "case_edit": lambda c, m, e: reverse("tracker:case_edit", args=[c.reference]),
    "case_transition": lambda c, m, e: reverse(
        "tracker:case_transition", args=[c.reference, Status.UNDER_REVIEW]
    ),
    "milestone_complete": lambda c, m, e: reverse(
        "tracker:milestone_complete", args=[c.reference, m.pk]
    ),
    "evidence_add": lambda c, m, e: reverse("tracker:evidence_add", args=[c.reference]),
    "note_add": lambda c, m, e: reverse("tracker:note_add", args=[c.reference]),
    "evidence_supersede": lambda c, m, e: reverse("tracker:evidence_supersede", args=[e.pk]),
    "withdrawal_request": lambda c, m, e: reverse("tracker:withdrawal_request", args=[c.reference]),
    "withdrawal_decide": lambda c, m, e: reverse(
        "tracker:withdrawal_decide", args=[_pending_withdrawal(c).pk]
    ),
}


def _pending_withdrawal(case):
    """A staff member's pending withdrawal request on ``case`` (made once)."""
    from tracker.cases.withdrawals import WithdrawalRequest

    found = WithdrawalRequest.objects.filter(case=case, state="pending").first()
    return found or services.withdrawal_request(
        case=case,
        by=case.history.earliest("history_id").history_user,
        category="error",
        reason="登记错误",
    )


def test_every_core_write_view_is_covered():
    reads = {"dashboard", "case_list", "case_detail", "case_history", "evidence_download"}
    reads |= {"withdrawal_list"}
    names = {p.name for p in tracker.cases.urls.urlpatterns}
    assert names - reads <= set(WRITE_VIEWS), "a new write view must be added to WRITE_VIEWS"


def test_inspector_gets_403_on_every_case_write(client_as, case_a, alice, ivan):
    evidence = services.evidence_add(
        case=case_a, by=alice, title="批复", upload=None, doc_no="甲〔2024〕1号", max_bytes=1
    )
    milestone = case_a.milestones.order_by("order").first()
    before = case_snapshot(case_a)
    client = client_as(ivan)
    for name, url_of in WRITE_VIEWS.items():
        url = url_of(case_a, milestone, evidence)
        for method in ("get", "post"):
            data = {"reason": "x", "text": "x", "effective_date": "2024-01-01", "doc_no": "x"}
            response = getattr(client, method)(url, data if method == "post" else None)
            if name == "note_add" and method == "get":
                assert response.status_code in (403, 405)
                continue
            assert response.status_code == 403, (name, method)
    assert case_snapshot(case_a) == before


def test_services_refuse_inspectors(case_a, ivan):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.note_add(case=case_a, by=ivan, text="x")
    with pytest.raises(PermissionDenied):
        services.case_update(
            case=case_a, by=ivan, expected_version=case_a.version, case_fields={}, reason="x"
        )
    with pytest.raises(services.TransitionRefused):
        services.case_transition(case=case_a, to=Status.UNDER_REVIEW, by=ivan, reason="x")


# --- review markers and "changed since my last review" ---------------------------------------


def test_changed_since_my_last_review(client_as, case_a, alice, carol, ivan, county_a, dept_a):
    other = make_case("fee", county_a, alice, department=dept_a)
    inspection_services.review_mark(case=case_a, by=ivan)
    inspection_services.review_mark(case=other, by=ivan)
    client = client_as(ivan)
    url = reverse("audit:review_list")
    assert list(client.get(url).context["page"].object_list) == []

    services.note_add(case=case_a, by=alice, text="新备注")
    services.case_transition(case=case_a, to=Status.UNDER_REVIEW, by=carol, reason="核查")
    inspection_services.inspection_note_add(case=other, by=ivan, text="我自己的意见不算")
    rows = list(client.get(url).context["page"].object_list)
    assert [(m.case, m.new_events) for m in rows] == [(case_a, 2)]
    body = client.get(url).content.decode()
    assert case_a.reference in body and other.reference not in body

    detail_page = client.get(detail(case_a))
    assert detail_page.context["inspection"].new_since_review == 2

    # "reviewed up to here" at an older timeline point keeps the newer change listed
    history = timeline.case_history(case_a)
    older = next(e for e in history if e.action == "note")
    client.post(reverse("audit:review_mark", args=[case_a.reference]), {"point": older.point})
    marker = ReviewMarker.objects.get(case=case_a, inspector=ivan)
    assert marker.reviewed_up_to == older.when
    rows = list(client.get(url).context["page"].object_list)
    assert [(m.case, m.new_events) for m in rows] == [(case_a, 1)]
    page = client.get(reverse("tracker:case_history", args=[case_a.reference]))
    entries = page.context["history"]
    assert entries[0].new_since_review and entries[1].marker_before
    assert "以上为您上次审阅后的新变更" in page.content.decode()

    client.post(reverse("audit:review_mark", args=[case_a.reference]))
    assert list(client.get(url).context["page"].object_list) == []


def test_review_mark_refuses_a_foreign_point(client_as, case_a, alice, ivan, county_a):
    other = make_case("item", county_a, alice)
    foreign = timeline.case_history(other)[0].point
    response = client_as(ivan).post(
        reverse("audit:review_mark", args=[case_a.reference]), {"point": foreign}
    )
    assert response.status_code == 404
    assert other.reference not in response.content.decode()
    assert not ReviewMarker.objects.exists()


def test_review_mark_in_the_future_is_refused(case_a, ivan):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        inspection_services.review_mark(
            case=case_a, by=ivan, up_to=timezone.now() + datetime.timedelta(days=1)
        )


def test_review_list_query_count(client_as, ivan, alice, county_a, django_assert_max_num_queries):
    client = client_as(ivan)
    for _ in range(6):
        case = make_case("item", county_a, alice)
        inspection_services.review_mark(case=case, by=ivan)
        services.note_add(case=case, by=alice, text="x")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("audit:review_list"))
    assert len(response.context["page"].object_list) == 6


# --- the read log -----------------------------------------------------------------------------


@pytest.fixture
def post_case(alice, county_a, dept_a) -> Case:
    return make_case("post", county_a, alice, department=dept_a)


def test_views_of_post_cases_are_logged(client_as, post_case, case_a, ivan, alice, carol):
    ref = post_case.reference
    client_as(ivan).get(detail(post_case))
    client_as(alice).get(reverse("tracker:case_history", args=[ref]))
    client_as(carol).get(detail(post_case), {"as_of": "2024-01-01"})
    client_as(ivan).get(reverse("audit:case_compare", args=[ref]))
    logs = list(AccessLog.objects.filter(reference=ref).order_by("id"))
    assert [(log.user, log.action, log.target) for log in logs] == [
        (ivan, "view", "case"),
        (alice, "view", "case_history"),
        (carol, "view", "case"),
        (ivan, "view", "case_compare"),
    ]
    assert "as_of=2024-01-01" in logs[2].query
    client_as(ivan).get(detail(case_a))  # not personal: not logged
    assert not AccessLog.objects.filter(reference=case_a.reference).exists()


def test_read_log_is_shown_per_case_and_globally(client_as, post_case, alice, ivan, carol):
    client_as(alice).get(detail(post_case))
    page = client_as(ivan).get(detail(post_case))
    access = page.context["inspection"].access
    assert [(a.user, a.target) for a in access] == [(ivan, "case"), (alice, "case")]
    assert 'id="case-access-log"' in page.content.decode()
    # staff do not see who read what
    staff_page = client_as(alice).get(detail(post_case))
    assert staff_page.context["inspection"].access == []
    assert 'id="case-access-log"' not in staff_page.content.decode()
    listing = client_as(carol).get(reverse("audit:access_log"), {"reference": post_case.reference})
    assert listing.status_code == 200
    # alice's view, ivan's view, alice's second view (reading the read log is not logged)
    assert len(listing.context["page"].object_list) == 3
    exported = client_as(carol).get(reverse("audit:export"), {"format": "csv"})
    assert exported.status_code == 200
    listing = client_as(ivan).get(reverse("audit:access_log"), {"action": "export"})
    assert [(a.user, a.target) for a in listing.context["page"].object_list] == [
        (carol, "audit_log")
    ]
    for bad in ({"user": "x"}, {"date_from": "nope"}, {"action": "zap"}, {"page": "-1"}):
        assert client_as(ivan).get(reverse("audit:access_log"), bad).status_code == 200


def test_access_log_rows_are_append_only(post_case, ivan):
    from django.db import DatabaseError, transaction

    log = inspection_services.access_log_record(
        user=ivan, action="view", target="case", reference=post_case.reference
    )
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            AccessLog.objects.filter(pk=log.pk).delete()
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            AccessLog.objects.filter(pk=log.pk).update(target="x")


# --- history in the admin is read-only --------------------------------------------------------


def test_admin_history_is_read_only(client_as, case_a, carol, county_a):
    carol.is_staff = True
    carol.save()
    client = client_as(carol)
    record = Case.history.filter(id=case_a.pk).first()
    history_url = reverse("admin:tracker_case_history", args=[case_a.pk])
    assert client.get(history_url).status_code == 200
    form_url = reverse("admin:tracker_case_simple_history", args=[case_a.pk, record.history_id])
    assert client.get(form_url).status_code == 403
    assert client.post(form_url, {}).status_code == 403
    delete_url = reverse("admin:tracker_jurisdiction_delete", args=[county_a.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Case.history.filter(history_id=record.history_id).exists()


def test_no_admin_deletes_history_or_chain_rows(rf, carol):
    from django.contrib import admin

    from tracker.audit.chain import protected_tables

    request = rf.get("/admin/")
    request.user = carol
    for model, model_admin in admin.site._registry.items():
        if model._meta.db_table in protected_tables():
            # An append-only table may be shown, never written, in the admin.
            assert not model_admin.has_add_permission(request), model
            assert not model_admin.has_change_permission(request), model
            assert not model_admin.has_delete_permission(request), model
        if hasattr(model, "history"):
            assert not model_admin.has_delete_permission(request), model


def test_subject_rows_untouched_by_flags_on_post_case(post_case, ivan):
    before = model_to_dict(OfficialPost.objects.get(case=post_case))
    inspection_services.case_flag_raise(
        case=post_case, by=ivan, flag_type="other", description="核实任职情况"
    )
    assert model_to_dict(OfficialPost.objects.get(case=post_case)) == before
    assert IntermediaryItem.history.count() == 0


def test_flag_list_filters_and_bad_state(client_as, case_a, ivan):
    open_flag = inspection_services.case_flag_raise(
        case=case_a, by=ivan, flag_type="other", description="一"
    )
    done = inspection_services.case_flag_raise(
        case=case_a, by=ivan, flag_type="other", description="二"
    )
    inspection_services.case_flag_resolve(flag=done, by=ivan, resolution="好")
    client = client_as(ivan)
    url = reverse("audit:flag_list")
    assert list(client.get(url).context["page"].object_list) == [open_flag]
    assert list(client.get(url, {"state": "resolved"}).context["page"].object_list) == [
        CaseFlag.objects.get(pk=done.pk)
    ]
    response = client.get(url, {"state": "weird"})
    assert response.status_code == 200
    assert "未知的标记状态" in response.content.decode()
    assert len(response.context["page"].object_list) == 2
