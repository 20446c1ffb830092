"""Overdue explanations (逾期说明) and deadline extensions: services, pages, history, bad input."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from tests.factories import UserFactory, make_case, withdraw
from tracker.cases import services
from tracker.cases.selectors import case_history
from tracker.cases.workflow import Role
from tracker.deadlines.selectors import attach_overdue_explanations
from tracker.deadlines.services import case_explain_overdue, case_extend_deadline
from tracker.models import Case, Note

TZ = ZoneInfo("Asia/Shanghai")


def d(s: str) -> datetime.date:
    return datetime.date.fromisoformat(s)


@pytest.fixture(autouse=True)
def fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def today():
    """Every test runs on 2025-12-10."""
    with time_machine.travel(datetime.datetime(2025, 12, 10, 10, tzinfo=TZ)):
        yield d("2025-12-10")


@pytest.fixture
def overdue(today, alice, county_a, dept_a) -> Case:
    with time_machine.travel(datetime.datetime(2025, 11, 1, 10, tzinfo=TZ)):
        case = make_case(
            "item", county_a, alice, department=dept_a, owner=alice, deadline=d("2025-11-30")
        )
    return case


@pytest.fixture
def not_overdue(today, alice, county_a, dept_a) -> Case:
    return make_case("item", county_a, alice, department=dept_a, deadline=d("2025-12-31"))


# --- overdue explanation ------------------------------------------------------------------


def test_explanation_is_an_overdue_note_in_the_timeline(overdue, alice, today):
    note = case_explain_overdue(
        case=overdue, by=alice, text="  等待省发展改革委批复  ", expected_date=d("2025-12-20")
    )
    assert note.kind == Note.Kind.OVERDUE
    assert note.text == "等待省发展改革委批复"
    assert note.expected_date == d("2025-12-20")
    assert note.author == alice
    entries = [e for e in case_history(overdue) if e.model == "note"]
    assert entries and entries[0].reason == "逾期说明：预计 2025-12-20 完成"
    assert entries[0].user == alice


def test_explanation_expected_today_is_accepted(overdue, alice, today):
    assert case_explain_overdue(case=overdue, by=alice, text="今日办结", expected_date=today)


@pytest.mark.parametrize(
    ("text", "expected", "field", "message"),
    [
        ("原因", "2025-12-09", "expected_date", "预计完成日期 2025-12-09 已经过去"),
        ("原因", None, "expected_date", "请填写预计完成日期。"),
        ("   ", "2025-12-20", "text", "请填写逾期原因。"),
    ],
)
def test_explanation_bad_input(overdue, alice, today, text, expected, field, message):
    with pytest.raises(ValidationError) as exc:
        case_explain_overdue(
            case=overdue,
            by=alice,
            text=text,
            expected_date=d(expected) if expected else None,
        )
    assert message in " ".join(exc.value.message_dict[field])
    assert not Note.objects.filter(case=overdue).exists()


def test_explanation_refused_when_not_overdue(not_overdue, alice):
    with pytest.raises(ValidationError, match="尚未逾期"):
        case_explain_overdue(case=not_overdue, by=alice, text="原因", expected_date=d("2025-12-20"))


def test_explanation_refused_for_closed_cases(overdue, alice):
    withdraw(overdue, alice, reason="重复登记")
    overdue.refresh_from_db()
    with pytest.raises(ValidationError, match="已撤回"):
        case_explain_overdue(case=overdue, by=alice, text="原因", expected_date=d("2025-12-20"))


@pytest.mark.parametrize("who", ["bob", "ivan", "vera"])
def test_explanation_only_by_editors_in_scope(request, overdue, who):
    with pytest.raises(PermissionDenied):
        case_explain_overdue(
            case=overdue,
            by=request.getfixturevalue(who),
            text="原因",
            expected_date=d("2025-12-20"),
        )


def test_explanation_page(client_as, overdue, alice, today):
    client = client_as(alice)
    url = reverse("notifications:overdue_explanation", args=[overdue.reference])
    assert client.get(url).status_code == 200
    response = client.post(url, {"text": "原因", "expected_date": "2025-12-01"})
    assert response.status_code == 200
    assert "已经过去" in response.content.decode()
    response = client.post(url, {"text": "等待批复", "expected_date": "2025-12-20"})
    assert response.status_code == 302
    assert Note.objects.get(case=overdue, kind=Note.Kind.OVERDUE).expected_date == d("2025-12-20")
    again = client.get(url).content.decode()
    assert "上次说明" in again and "2025-12-20" in again


def test_explanation_page_bad_date_and_not_overdue(client_as, overdue, not_overdue, alice):
    client = client_as(alice)
    url = reverse("notifications:overdue_explanation", args=[overdue.reference])
    response = client.post(url, {"text": "原因", "expected_date": "12/20/2025"})
    assert response.status_code == 200 and "YYYY-MM-DD" in response.content.decode()
    url = reverse("notifications:overdue_explanation", args=[not_overdue.reference])
    response = client.get(url, follow=True)
    assert "无需填写逾期说明" in response.content.decode()


@pytest.mark.parametrize(("who", "status"), [("bob", 404), ("ivan", 403), ("vera", 403)])
def test_explanation_page_permissions(client_as, request, overdue, who, status):
    url = reverse("notifications:overdue_explanation", args=[overdue.reference])
    assert client_as(request.getfixturevalue(who)).get(url).status_code == status


def test_overdue_rows_show_the_latest_explanation(overdue, alice, today):
    case_explain_overdue(case=overdue, by=alice, text="第一次", expected_date=d("2025-12-15"))
    case_explain_overdue(case=overdue, by=alice, text="第二次", expected_date=d("2025-12-25"))
    cases = attach_overdue_explanations(Case.objects.overdue(today))
    assert cases[0].overdue_explanation.text == "第二次"
    html = render_to_string("tracker/_overdue_rows.html", {"cases": cases})
    assert "预计 2025-12-25 完成" in html and overdue.reference in html


# --- deadline extension -------------------------------------------------------------------


def test_extension_is_a_versioned_change_with_reason(overdue, carol):
    version = overdue.version
    case = case_extend_deadline(
        case=overdue,
        by=carol,
        new_deadline=d("2026-03-31"),
        reason="跨年度项目，经市政府同意",
        expected_version=version,
    )
    assert case.deadline == d("2026-03-31")
    assert case.version == version + 1
    last = Case.history.filter(id=overdue.pk).order_by("-history_id").first()
    assert last.history_user == carol
    assert last.history_change_reason == (
        "延长完成时限：2025-11-30 → 2026-03-31。原因：跨年度项目，经市政府同意"
    )
    assert not case.is_overdue()


@pytest.mark.parametrize("who", ["alice", "ivan", "vera"])
def test_extension_only_by_reform_admins(request, overdue, who):
    with pytest.raises(PermissionDenied, match="只有改革办管理员"):
        case_extend_deadline(
            case=overdue,
            by=request.getfixturevalue(who),
            new_deadline=d("2026-01-31"),
            reason="x",
            expected_version=overdue.version,
        )


@pytest.mark.parametrize(
    ("new", "reason", "field", "message"),
    [
        ("2026-01-31", "   ", "reason", "延长完成时限必须填写原因。"),
        (None, "原因", "new_deadline", "请填写新的完成时限。"),
        ("2025-11-30", "原因", "new_deadline", "必须晚于原完成时限 2025-11-30"),
        ("2025-12-05", "原因", "new_deadline", "不能早于今天"),
    ],
)
def test_extension_bad_input(overdue, carol, new, reason, field, message):
    with pytest.raises(ValidationError) as exc:
        case_extend_deadline(
            case=overdue,
            by=carol,
            new_deadline=d(new) if new else None,
            reason=reason,
            expected_version=overdue.version,
        )
    assert message in " ".join(exc.value.message_dict[field])
    overdue.refresh_from_db()
    assert overdue.deadline == d("2025-11-30") and overdue.version == 1


def test_extension_of_a_closed_case_is_refused(overdue, alice, carol):
    withdraw(overdue, alice, reason="重复登记")
    overdue.refresh_from_db()
    with pytest.raises(ValidationError, match="不能延长完成时限"):
        case_extend_deadline(
            case=overdue,
            by=carol,
            new_deadline=d("2026-01-31"),
            reason="x",
            expected_version=overdue.version,
        )


def test_extension_page(client_as, overdue, carol):
    client = client_as(carol)
    url = reverse("notifications:extend_deadline", args=[overdue.reference])
    assert client.get(url).status_code == 200
    response = client.post(url, {"new_deadline": "2026-01-31", "reason": "", "version": "1"})
    assert response.status_code == 200
    assert "延长完成时限必须填写原因。" in response.content.decode()
    response = client.post(
        url, {"new_deadline": "2026-01-31", "reason": "等待批复", "version": "1"}
    )
    assert response.status_code == 302
    overdue.refresh_from_db()
    assert overdue.deadline == d("2026-01-31")
    stale = client.post(url, {"new_deadline": "2026-02-28", "reason": "再延", "version": "1"})
    assert stale.status_code == 200 and "已被他人修改" in stale.content.decode()


@pytest.mark.parametrize(("who", "status"), [("alice", 403), ("ivan", 403), ("vera", 403)])
def test_extension_page_permissions(client_as, request, overdue, who, status):
    url = reverse("notifications:extend_deadline", args=[overdue.reference])
    client = client_as(request.getfixturevalue(who))
    assert client.get(url).status_code == status
    assert client.post(url, {"new_deadline": "2026-01-31", "reason": "x"}).status_code == status


def test_extension_page_other_scope_is_404(client_as, today, bob, county_a, county_b, dept_b):
    case = make_case("item", county_b, bob, department=dept_b, deadline=d("2025-12-31"))
    admin_a = UserFactory(username="adam", role=Role.ADMIN, jurisdiction=county_a)
    url = reverse("notifications:extend_deadline", args=[case.reference])
    assert client_as(admin_a).get(url).status_code == 404


def test_case_partial_offers_the_forms(overdue, alice, carol, ivan):
    rf = RequestFactory()
    for user, explain, extend in ((alice, True, False), (carol, True, True), (ivan, False, False)):
        request = rf.get("/")
        request.user = user
        html = render_to_string(
            "tracker/_case_redflags.html", {"case": overdue, "user": user, "red_flags": []}, request
        )
        assert "已超过完成时限" in html
        assert ("overdue-explanation" in html) is explain
        assert ("extend-deadline" in html) is extend


def test_case_page_links_to_the_forms(client_as, overdue, carol):
    body = client_as(carol).get(reverse("tracker:case_detail", args=[overdue.reference]))
    html = body.content.decode()
    assert reverse("notifications:extend_deadline", args=[overdue.reference]) in html
    assert reverse("notifications:overdue_explanation", args=[overdue.reference]) in html


def test_extension_needs_the_version_the_admin_saw(client_as, overdue, carol):
    """A POST without the hidden version is refused (no silent 'latest'), and so is a stale one."""
    client = client_as(carol)
    url = reverse("notifications:extend_deadline", args=[overdue.reference])
    response = client.post(url, {"new_deadline": "2026-01-31", "reason": "等待省级批复"})
    assert response.status_code == 200
    assert "页面缺少版本号" in response.content.decode()
    response = client.post(
        url, {"new_deadline": "2026-01-31", "reason": "等待省级批复", "version": "0"}
    )
    assert response.status_code == 200
    overdue.refresh_from_db()
    assert overdue.deadline == d("2025-11-30") and overdue.version == 1
    with pytest.raises(services.StaleEdit):
        case_extend_deadline(
            case=overdue, by=carol, new_deadline=d("2026-01-31"), reason="x", expected_version=0
        )
