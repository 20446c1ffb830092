"""The REST API: the same scoping, forms and services as the pages."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.api_support import api_client, token_for
from tests.factories import make_case
from tracker.api.models import ApiToken
from tracker.cases.workflow import Status
from tracker.models import AccessLog, Case, Note

PDF = b"%PDF-1.4\n% api\n%%EOF\n"


@pytest.fixture
def alice_api(alice):
    return api_client(token_for(alice))


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message_zh", "message_en", "fields"}
    return body["error"]


def test_list_filters_like_the_page_and_stays_in_scope(alice_api, alice, bob, case_a, county_b):
    make_case("fee", case_a.jurisdiction, alice)
    make_case("item", county_b, bob)
    body = alice_api.get("/api/v1/cases/").json()
    assert {c["jurisdiction"] for c in body["results"]} == {"330102"}
    assert len(body["results"]) == 2
    only_items = alice_api.get("/api/v1/cases/?kind=item").json()["results"]
    assert [c["reference"] for c in only_items] == [case_a.reference]
    bad = alice_api.get("/api/v1/cases/?status=nonsense")
    assert bad.status_code == 400
    assert "status" in error_of(bad)["fields"]


def test_another_countys_case_is_404(alice_api, bob, county_b):
    other = make_case("item", county_b, bob)
    for url in (
        f"/api/v1/cases/{other.reference}/",
        f"/api/v1/cases/{other.reference}/timeline/",
        f"/api/v1/cases/{other.reference}/notes/",
    ):
        response = alice_api.get(url)
        assert response.status_code == 404, url
        assert error_of(response)["code"] == "not_found"


def test_detail_etag_and_update_needs_if_match(alice_api, case_a):
    url = f"/api/v1/cases/{case_a.reference}/"
    detail = alice_api.get(url)
    assert detail["ETag"] == f'"{case_a.version}"'
    assert [m["code"] for m in detail.json()["milestones"]][0] == "self_report"
    body = {"deadline": "2026-12-30", "reason": "调整时限"}
    missing = alice_api.patch(url, body, format="json")
    assert missing.status_code == 428
    stale = alice_api.patch(url, body, format="json", HTTP_IF_MATCH='"0"')
    assert stale.status_code == 412
    assert error_of(stale)["code"] == "precondition_failed"
    ok = alice_api.patch(url, body, format="json", HTTP_IF_MATCH=detail["ETag"])
    assert ok.status_code == 200, ok.json()
    case_a.refresh_from_db()
    assert case_a.deadline == datetime.date(2026, 12, 30)
    assert ok["ETag"] == f'"{case_a.version}"'
    assert case_a.history.first().history_change_reason == "调整时限"


def test_update_without_reason_is_refused(alice_api, case_a):
    response = alice_api.patch(
        f"/api/v1/cases/{case_a.reference}/",
        {"deadline": "2026-12-30"},
        format="json",
        HTTP_IF_MATCH=f'"{case_a.version}"',
    )
    assert response.status_code == 400
    assert "reason" in error_of(response)["fields"]
    case_a.refresh_from_db()
    assert case_a.version == 1


def test_transition_without_reason_is_refused_and_with_one_goes_through(alice_api, case_a):
    url = f"/api/v1/cases/{case_a.reference}/transition/"
    etag = f'"{case_a.version}"'
    refused = alice_api.post(url, {"to": "under_review"}, format="json", HTTP_IF_MATCH=etag)
    assert refused.status_code == 400
    assert "reason" in error_of(refused)["fields"]
    blank = alice_api.post(
        url, {"to": "under_review", "reason": "  "}, format="json", HTTP_IF_MATCH=etag
    )
    assert blank.status_code == 400
    case_a.refresh_from_db()
    assert case_a.status == Status.REGISTERED
    done = alice_api.post(
        url, {"to": "under_review", "reason": "开始核查"}, format="json", HTTP_IF_MATCH=etag
    )
    assert done.status_code == 200, done.json()
    case_a.refresh_from_db()
    assert case_a.status == Status.UNDER_REVIEW
    assert case_a.history.first().history_change_reason == "开始核查"
    again = alice_api.post(
        url, {"to": "decided", "reason": "决定"}, format="json", HTTP_IF_MATCH=etag
    )
    assert again.status_code == 412  # the ETag read before the first transition is stale now
    guard = alice_api.post(
        url,
        {"to": "closed", "reason": "销号"},
        format="json",
        HTTP_IF_MATCH=f'"{case_a.version}"',
    )
    assert guard.status_code == 409
    assert error_of(guard)["code"] == "refused"


def test_create_through_the_form_and_service(alice_api, alice, dept_a):
    body = {
        "kind": "item",
        "jurisdiction": "330102",
        "department": dept_a.pk,
        "subject": {"name": "施工图审查", "provider_nature": ""},
        "reason": "省平台报送",
    }
    response = alice_api.post("/api/v1/cases/", body, format="json")
    assert response.status_code == 201, response.json()
    reference = response.json()["reference"]
    case = Case.objects.get(reference=reference)
    assert case.intermediary_item.name == "施工图审查"
    assert case.milestones.count() == 7
    assert case.history.first().history_change_reason == "省平台报送"
    assert response["Location"] == f"/api/v1/cases/{reference}/"


def test_create_refuses_another_countys_jurisdiction_and_department(
    alice_api, dept_a, dept_b, county_b
):
    before = Case.objects.count()
    body = {
        "kind": "item",
        "jurisdiction": "330105",
        "department": dept_b.pk,
        "subject": {"name": "越权"},
        "reason": "测试",
    }
    other = alice_api.post("/api/v1/cases/", body, format="json")
    assert other.status_code == 400
    assert "jurisdiction" in error_of(other)["fields"]
    body["jurisdiction"] = "330102"
    dept = alice_api.post("/api/v1/cases/", body, format="json")
    assert dept.status_code == 400
    assert "department" in error_of(dept)["fields"]
    assert Case.objects.count() == before


def test_bad_input_answers_clear_errors_and_writes_nothing(alice_api, case_a, dept_a):
    before = (Case.objects.count(), Note.objects.count())
    malformed = alice_api.post("/api/v1/cases/", data="{not json", content_type="application/json")
    assert malformed.status_code == 400
    assert error_of(malformed)["code"] == "malformed"
    unknown = alice_api.post(
        f"/api/v1/cases/{case_a.reference}/notes/",
        {"text": "备注", "colour": "red"},
        format="json",
    )
    assert unknown.status_code == 400
    assert error_of(unknown)["fields"] == {"colour": ["未知字段。"]}
    unknown_subject = alice_api.post(
        "/api/v1/cases/",
        {
            "kind": "item",
            "jurisdiction": "330102",
            "department": dept_a.pk,
            "subject": {"name": "x", "secret_field": 1},
            "reason": "测试",
        },
        format="json",
    )
    assert unknown_subject.status_code == 400
    assert "subject.secret_field" in error_of(unknown_subject)["fields"]
    not_object = alice_api.post(
        f"/api/v1/cases/{case_a.reference}/notes/", data="[1, 2]", content_type="application/json"
    )
    assert not_object.status_code == 400
    huge = alice_api.post(
        f"/api/v1/cases/{case_a.reference}/notes/",
        data=json.dumps({"text": "x" * (10 * 1024 * 1024)}),
        content_type="application/json",
    )
    assert huge.status_code == 413
    assert error_of(huge)["code"] == "too_large"
    assert (Case.objects.count(), Note.objects.count()) == before


def test_milestone_completion_refuses_another_countys_evidence(
    settings, tmp_path, alice_api, alice, bob, case_a, county_b
):
    from tracker.cases import services

    settings.MEDIA_ROOT = tmp_path
    other_case = make_case("item", county_b, bob)
    foreign = services.evidence_add(
        case=other_case,
        by=bob,
        title="乙区材料",
        upload=SimpleUploadedFile("b.pdf", PDF),
        max_bytes=10_000,
    )
    url = f"/api/v1/cases/{case_a.reference}/milestones/self_report/complete/"
    today = timezone.localdate().isoformat()
    refused = alice_api.post(
        url, {"effective_date": today, "evidence": foreign.pk, "reason": "完成"}, format="json"
    )
    assert refused.status_code == 400
    assert "evidence" in error_of(refused)["fields"]
    assert not case_a.milestones.get(code="self_report").done
    done = alice_api.post(
        url, {"effective_date": today, "doc_no": "甲发〔2026〕1号", "reason": "完成"}, format="json"
    )
    assert done.status_code == 200, done.json()
    assert done.json()["done"] is True


def test_evidence_upload_and_notes(settings, tmp_path, alice_api, case_a):
    settings.MEDIA_ROOT = tmp_path
    url = f"/api/v1/cases/{case_a.reference}/evidence/"
    upload = alice_api.post(
        url, {"title": "批复", "file": SimpleUploadedFile("p.pdf", PDF), "reason": "上传批复"}
    )
    assert upload.status_code == 201, upload.json()
    assert len(upload.json()["sha256"]) == 64
    wrong = alice_api.post(
        url, {"title": "伪装", "file": SimpleUploadedFile("p.pdf", b"MZ\x90\x00"), "reason": "x"}
    )
    assert wrong.status_code == 400
    no_reason = alice_api.post(url, {"title": "无原因", "doc_no": "x"})
    assert no_reason.status_code == 400
    assert [e["title"] for e in alice_api.get(url).json()] == ["批复"]
    note = alice_api.post(
        f"/api/v1/cases/{case_a.reference}/notes/", {"text": "已联系"}, format="json"
    )
    assert note.status_code == 201
    assert alice_api.get(f"/api/v1/cases/{case_a.reference}/notes/").json()[0]["text"] == "已联系"


def test_timeline_and_as_of(alice_api, case_a):
    timeline = alice_api.get(f"/api/v1/cases/{case_a.reference}/timeline/").json()
    assert timeline["count"] >= 1
    assert timeline["results"][-1]["reason"] == "新建登记"
    at = timezone.localtime(timezone.now())
    state = alice_api.get(
        f"/api/v1/cases/{case_a.reference}/as-of/", {"at": at.strftime("%Y-%m-%dT%H:%M:%S")}
    )
    assert state.status_code == 200, state.json()
    assert state.json()["case"]["status"] == "registered"
    bad = alice_api.get(f"/api/v1/cases/{case_a.reference}/as-of/", {"at": "yesterday-ish"})
    assert bad.status_code == 400


def test_personal_reads_are_logged_with_the_token(alice, alice_api, county_a):
    post = make_case("post", county_a, alice)
    before = AccessLog.objects.count()
    alice_api.get(f"/api/v1/cases/{post.reference}/")
    alice_api.get("/api/v1/cases/?kind=post")
    logs = list(AccessLog.objects.order_by("id")[before:])
    assert [(log.target, log.reference) for log in logs] == [
        ("api:case", post.reference),
        ("api:case_list", ""),
    ]
    assert all("api token=test#" in log.query for log in logs)
    assert post.reference in logs[1].query


def test_read_only_roles_cannot_write(ivan, vera, case_a):
    ivan_api = api_client(token_for(ivan))
    refused = ivan_api.post(
        f"/api/v1/cases/{case_a.reference}/notes/", {"text": "检查"}, format="json"
    )
    assert refused.status_code == 403
    assert ivan_api.get(f"/api/v1/cases/{case_a.reference}/").status_code == 200
    vera_api = api_client(token_for(vera))
    assert vera_api.get("/api/v1/cases/").status_code == 403
    assert vera_api.get("/api/v1/reports/").status_code == 200


def test_read_scope_token_cannot_write(alice, case_a):
    client = api_client(token_for(alice, scope=ApiToken.Scope.READ, name="只读"))
    response = client.post(f"/api/v1/cases/{case_a.reference}/notes/", {"text": "x"}, format="json")
    assert response.status_code == 403
    assert "只读" in error_of(response)["message_zh"]


def test_public_catalogue_needs_no_token(db):
    response = api_client().get("/api/v1/catalogues/")
    assert response.status_code == 200
    assert response.json()["results"] == []
    assert api_client().get("/api/v1/cases/").status_code == 401


def test_list_query_count_is_constant(alice_api, alice, county_a, django_assert_max_num_queries):
    for _ in range(30):
        make_case("item", county_a, alice)
    make_case("post", county_a, alice)
    first = alice_api.get("/api/v1/cases/?page_size=10")
    with django_assert_max_num_queries(10):
        page = alice_api.get(first.json()["next"])
    assert len(page.json()["results"]) == 10
    with django_assert_max_num_queries(10):
        assert alice_api.get("/api/v1/cases/?page_size=100&kind=item").status_code == 200
