"""Flows through the pages with the test client: create, transition, decide, milestones,
evidence, notes, stale edits, what each role is shown, and the firm register's credit codes."""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intermediaries.models import IntermediaryFirm
from intermediaries.services import firm_save
from tests.factories import IntermediaryFirmFactory, make_case, valid_credit_code
from tracker.cases import services
from tracker.cases.validators import CREDIT_ALPHABET
from tracker.cases.workflow import Status
from tracker.models import Case, Evidence, Note, ReferenceCounter

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _zh(message: str) -> str:
    """Django's own message as the page shows it in zh-hans (an installed app's catalogue,
    DRF's for one, may word it differently from Django's)."""
    from django.utils import translation

    with translation.override("zh-hans"):
        return translation.gettext(message)


REQUIRED = _zh("This field is required.")


@pytest.fixture(autouse=True)
def fast_and_isolated(settings, tmp_path) -> Path:
    """Cheap password hashing for the personas; uploads into a throw-away MEDIA_ROOT."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media_root: Path) -> list[Path]:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def html(response) -> str:
    return response.content.decode()


def today() -> datetime.date:
    return timezone.localdate()


def case_url(case: Case, name: str = "case_detail", *extra) -> str:
    return reverse(f"tracker:{name}", args=[case.reference, *extra])


def refresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


# --- creating a case -----------------------------------------------------------------------


def item_form_data(county, dept, owner, **overrides) -> dict:
    data = {
        "jurisdiction": county.pk,
        "department": dept.pk,
        "owner": owner.pk,
        "registered_on": today().isoformat(),
        "deadline": (today() + datetime.timedelta(days=60)).isoformat(),
        "s-name": "建设工程消防设计技术审查",
        "s-legal_basis": "《建设工程消防设计审查验收管理暂行规定》",
    }
    data.update(overrides)
    return data


def test_create_item_case(client_as, alice, county_a, dept_a):
    client = client_as(alice)

    response = client.post(
        reverse("tracker:case_create", args=["item"]), item_form_data(county_a, dept_a, alice)
    )

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == case_url(case)
    assert case.reference.startswith("330102-ITEM-")
    assert (case.kind, case.status, case.title) == (
        "item",
        "registered",
        "建设工程消防设计技术审查",
    )
    assert (case.jurisdiction, case.department, case.owner) == (county_a, dept_a, alice)
    assert case.intermediary_item.legal_basis == "《建设工程消防设计审查验收管理暂行规定》"
    assert case.milestones.count() == 7
    created = case.history.get()
    assert (created.history_user, created.history_change_reason) == (alice, "新建登记")
    page = html(client.get(case_url(case)))
    assert f"已登记：{case.reference}" in page


def test_create_with_deadline_before_registration_is_refused(client_as, alice, county_a, dept_a):
    data = item_form_data(
        county_a, dept_a, alice, deadline=(today() - datetime.timedelta(days=1)).isoformat()
    )

    response = client_as(alice).post(reverse("tracker:case_create", args=["item"]), data)

    assert response.status_code == 200
    assert "完成时限不能早于登记日期。" in html(response)
    assert not Case.objects.exists()
    assert not ReferenceCounter.objects.exists()  # no reference number was used up


def test_create_in_another_county_by_form_field_is_404(client_as, alice, county_b, dept_b):
    response = client_as(alice).post(
        reverse("tracker:case_create", args=["item"]), item_form_data(county_b, dept_b, alice)
    )

    assert response.status_code == 404
    assert not Case.objects.exists()


def test_create_unknown_kind_is_404(client_as, alice):
    assert client_as(alice).get(reverse("tracker:case_create", args=["nope"])).status_code == 404


# --- transitions ---------------------------------------------------------------------------


def test_transition_with_reason(client_as, alice, case_a):
    url = case_url(case_a, "case_transition", Status.UNDER_REVIEW)

    response = client_as(alice).post(url, {"reason": "材料齐全，开始核查"})

    assert response.status_code == 302
    case = refresh(case_a)
    assert (case.status, case.version) == (Status.UNDER_REVIEW, 2)
    latest = case.history.latest("history_id")
    assert (latest.history_user, latest.history_change_reason) == (alice, "材料齐全，开始核查")


@pytest.mark.parametrize("reason", ["", "   "])
def test_transition_without_reason_is_refused(client_as, alice, case_a, reason):
    url = case_url(case_a, "case_transition", Status.UNDER_REVIEW)

    response = client_as(alice).post(url, {"reason": reason})

    assert response.status_code == 200
    assert REQUIRED in html(response)
    assert refresh(case_a).status == Status.REGISTERED


def test_transition_not_in_the_workflow_is_refused(client_as, alice, case_a):
    client = client_as(alice)
    url = case_url(case_a, "case_transition", Status.COMPLETED)
    refusal = "不允许从“已登记”变更为“已完成”。"

    shown = client.get(url, follow=True)  # no form: back to the case page with the reason
    refused = client.post(url, {"reason": "直接办结"})

    assert shown.redirect_chain == [(case_url(case_a), 302)]
    assert refusal in html(shown) and 'id="case-steps"' in html(shown)
    assert refused.status_code == 200 and refusal in html(refused)
    case = refresh(case_a)
    assert (case.status, case.version) == (Status.REGISTERED, 1)


def test_transition_to_unknown_status_is_404(client_as, alice, case_a):
    response = client_as(alice).post(case_url(case_a, "case_transition", "done"), {"reason": "x"})

    assert response.status_code == 404


def decide_data(**overrides) -> dict:
    data = {
        "reason": "经审核论证，予以保留",
        "disposition": "retain",
        "decision_doc_no": "甲改办〔2026〕3号",
        "decision_date": today().isoformat(),
    }
    data.update(overrides)
    return data


@pytest.fixture
def case_under_review(alice, case_a) -> Case:
    return services.case_transition(case=case_a, to=Status.UNDER_REVIEW, by=alice, reason="核查")


def test_decide(client_as, alice, case_under_review):
    url = case_url(case_under_review, "case_transition", Status.DECIDED)

    response = client_as(alice).post(url, decide_data())

    assert response.status_code == 302
    case = refresh(case_under_review)
    assert case.status == Status.DECIDED
    assert (case.disposition, case.decision_doc_no, case.decision_date) == (
        "retain",
        "甲改办〔2026〕3号",
        today(),
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"decision_doc_no": ""}, REQUIRED),
        ({"disposition": "bogus"}, "选择一个有效的选项。"),
        ({"disposition": "staff_new_company"}, "选择一个有效的选项。"),  # a firm disposition
        (
            {"decision_date": (today() + datetime.timedelta(days=1)).isoformat()},
            "决定日期不能晚于今天。",
        ),
    ],
)
def test_decide_with_bad_decision_is_refused(
    client_as, alice, case_under_review, overrides, message
):
    url = case_url(case_under_review, "case_transition", Status.DECIDED)

    response = client_as(alice).post(url, decide_data(**overrides))

    assert response.status_code == 200
    assert message in html(response)
    case = refresh(case_under_review)
    assert (case.status, case.disposition, case.decision_doc_no) == (Status.UNDER_REVIEW, "", "")


@pytest.fixture
def completed_case(alice, case_a) -> Case:
    case = case_a
    for target in (Status.UNDER_REVIEW, Status.DECIDED, Status.IN_PROGRESS):
        decision = services.Decision("retain", "甲改办〔2026〕3号", today())
        case = services.case_transition(
            case=case, to=target, by=alice, reason="推进", decision=decision
        )
    for milestone in case.milestones.filter(required=True):
        services.milestone_complete(
            milestone=milestone, by=alice, effective_date=today(), doc_no="甲改〔2026〕9号"
        )
    return services.case_transition(case=case, to=Status.COMPLETED, by=alice, reason="整改完成")


def test_only_the_admin_may_close(client_as, alice, carol, completed_case):
    url = case_url(completed_case, "case_transition", Status.CLOSED)

    staff = client_as(alice)
    assert url not in html(staff.get(case_url(completed_case)))
    opened = staff.get(url, follow=True)  # the form is not even offered
    assert opened.redirect_chain == [(case_url(completed_case), 302)]
    assert "只有改革办管理员可以执行“销号”。" in html(opened)
    refused = staff.post(url, {"reason": "销号"})
    assert refused.status_code == 200
    assert "只有改革办管理员可以执行“销号”。" in html(refused)
    assert refresh(completed_case).status == Status.COMPLETED

    admin = client_as(carol)
    assert url in html(admin.get(case_url(completed_case)))
    assert admin.post(url, {"reason": "验收合格，销号"}).status_code == 302
    assert refresh(completed_case).status == Status.CLOSED


# --- milestones ----------------------------------------------------------------------------


def test_complete_milestone(client_as, alice, case_a):
    milestone = case_a.milestones.order_by("order").first()
    url = case_url(case_a, "milestone_complete", milestone.pk)

    response = client_as(alice).post(
        url, {"effective_date": today().isoformat(), "doc_no": "甲改〔2026〕5号"}
    )

    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.done
    assert (milestone.effective_date, milestone.doc_no, milestone.recorded_by) == (
        today(),
        "甲改〔2026〕5号",
        alice,
    )


@pytest.mark.parametrize(
    ("doc_no", "days_ahead", "message"),
    [
        ("", 0, "完成节点需填写文号或选择佐证材料。"),
        ("甲改〔2026〕5号", 1, "实际完成日期不能晚于今天。"),
    ],
)
def test_complete_milestone_refused(client_as, alice, case_a, doc_no, days_ahead, message):
    milestone = case_a.milestones.order_by("order").first()
    effective = today() + datetime.timedelta(days=days_ahead)

    response = client_as(alice).post(
        case_url(case_a, "milestone_complete", milestone.pk),
        {"effective_date": effective.isoformat(), "doc_no": doc_no},
    )

    assert response.status_code == 200
    assert message in html(response)
    milestone.refresh_from_db()
    assert not milestone.done


def test_complete_milestone_of_another_case_is_404(client_as, alice, case_a, county_a, dept_a):
    other = make_case("item", county_a, alice, department=dept_a)
    milestone = other.milestones.first()

    response = client_as(alice).post(
        case_url(case_a, "milestone_complete", milestone.pk),
        {"effective_date": today().isoformat(), "doc_no": "x"},
    )

    assert response.status_code == 404


# --- evidence ------------------------------------------------------------------------------


def upload(client: Client, case: Case, name: str, content: bytes):
    return client.post(
        case_url(case, "evidence_add"),
        {"title": "常务会议纪要", "file": SimpleUploadedFile(name, content)},
    )


def test_upload_pdf_shows_its_sha256(client_as, alice, case_a, fast_and_isolated):
    client = client_as(alice)

    response = upload(client, case_a, "会议纪要.pdf", PDF_BYTES)

    assert response.status_code == 302
    evidence = Evidence.objects.get()
    digest = hashlib.sha256(PDF_BYTES).hexdigest()
    assert (evidence.sha256, evidence.size, evidence.original_name) == (
        digest,
        len(PDF_BYTES),
        "会议纪要.pdf",
    )
    assert (fast_and_isolated / evidence.file.name).read_bytes() == PDF_BYTES
    assert "会议纪要" not in evidence.file.name  # stored under a generated name
    page = html(client.get(case_url(case_a)))
    assert digest in page
    assert "佐证材料已上传。" in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 60, "不支持的文件类型“.exe”"),
        ("伪装.pdf", b"MZ\x90\x00" + b"\x00" * 60, "文件内容与扩展名“.pdf”不符"),
        ("空.pdf", b"", _zh("The submitted file is empty.")),
    ],
)
def test_upload_bad_file_is_refused(
    client_as, alice, case_a, fast_and_isolated, name, content, message
):
    response = upload(client_as(alice), case_a, name, content)

    assert response.status_code == 200
    assert message in html(response)
    assert not Evidence.objects.exists()
    assert stored_files(fast_and_isolated) == []


def test_upload_too_large_is_refused(client_as, alice, case_a, settings, fast_and_isolated):
    settings.EVIDENCE_MAX_BYTES = 32

    response = upload(client_as(alice), case_a, "大文件.pdf", PDF_BYTES + b"0" * 64)

    assert response.status_code == 200
    assert "文件过大" in html(response)
    assert not Evidence.objects.exists()
    assert stored_files(fast_and_isolated) == []


# --- notes ---------------------------------------------------------------------------------


def test_add_note(client_as, alice, case_a):
    client = client_as(alice)

    response = client.post(case_url(case_a, "note_add"), {"text": "已电话督促住建局报送材料"})

    assert response.status_code == 302
    note = Note.objects.get()
    assert (note.case, note.author, note.text) == (case_a, alice, "已电话督促住建局报送材料")
    page = html(client.get(case_url(case_a)))
    assert "已电话督促住建局报送材料" in page and "备注已添加。" in page


def test_add_empty_note_is_refused(client_as, alice, case_a):
    client = client_as(alice)

    response = client.post(case_url(case_a, "note_add"), {"text": "  "}, follow=True)

    assert "备注内容不能为空。" in html(response)
    assert not Note.objects.exists()


# --- editing -------------------------------------------------------------------------------


def edit_data(case: Case, version: int, **overrides) -> dict:
    data = {
        "version": version,
        "department": case.department_id,
        "owner": case.owner_id or "",
        "registered_on": case.registered_on.isoformat(),
        "deadline": case.deadline.isoformat(),
        "reason": "调整完成时限",
        "s-name": case.title,
    }
    data.update(overrides)
    return data


def test_edit(client_as, alice, case_a):
    new_deadline = today() + datetime.timedelta(days=90)

    response = client_as(alice).post(
        case_url(case_a, "case_edit"), edit_data(case_a, 1, deadline=new_deadline.isoformat())
    )

    assert response.status_code == 302
    case = refresh(case_a)
    assert (case.deadline, case.version) == (new_deadline, 2)
    assert case.history.latest("history_id").history_change_reason == "调整完成时限"


def test_edit_without_reason_is_refused(client_as, alice, case_a):
    response = client_as(alice).post(case_url(case_a, "case_edit"), edit_data(case_a, 1, reason=""))

    assert response.status_code == 200
    assert REQUIRED in html(response)
    assert refresh(case_a).version == 1


def test_stale_edit_is_refused_and_nothing_is_overwritten(client_as, alice, carol, case_a):
    client = client_as(alice)
    form = client.get(case_url(case_a, "case_edit"))
    assert 'name="version" value="1"' in html(form)
    carols_deadline = today() + datetime.timedelta(days=30)
    services.case_update(
        case=case_a,
        by=carol,
        expected_version=1,
        case_fields={"deadline": carols_deadline},
        reason="市里统一调整时限",
    )
    alices_deadline = today() + datetime.timedelta(days=120)

    response = client.post(
        case_url(case_a, "case_edit"),
        edit_data(case_a, 1, deadline=alices_deadline.isoformat(), **{"s-name": "改名"}),
    )

    assert response.status_code == 200
    page = html(response)
    assert "已被他人修改" in page
    assert "市里统一调整时限" in page  # what changed in between is listed
    case = refresh(case_a)
    assert (case.deadline, case.version, case.title) == (carols_deadline, 2, case_a.title)
    assert case.intermediary_item.name == case_a.intermediary_item.name


def test_stale_firm_edit_is_refused(client_as, alice, carol, county_a):
    firm = IntermediaryFirmFactory(jurisdiction=county_a, name="甲区建设咨询有限公司")
    firm.name = "甲区建设咨询股份有限公司"
    firm_save(firm=firm, jurisdiction=county_a, by=carol, reason="更名", expected_version=1)

    response = client_as(alice).post(
        reverse("intermediaries:firm_edit", args=[firm.pk]),
        firm_data(credit_code=firm.credit_code, name="另一个名字", version=1, reason="更名"),
    )

    assert response.status_code == 200
    assert "已被他人修改" in html(response)
    firm.refresh_from_db()
    assert (firm.name, firm.version) == ("甲区建设咨询股份有限公司", 2)


# --- what each role is shown ---------------------------------------------------------------


def test_inspector_sees_no_edit_controls(client_as, alice, ivan, case_a):
    edit_links = [
        case_url(case_a, "case_edit"),
        case_url(case_a, "case_transition", Status.UNDER_REVIEW),
        case_url(case_a, "evidence_add"),
        case_url(case_a, "note_add"),
    ]
    staff_page = html(client_as(alice).get(case_url(case_a)))
    assert all(link in staff_page for link in edit_links)  # the check below is not vacuous

    response = client_as(ivan).get(case_url(case_a))

    assert response.status_code == 200
    page = html(response)
    assert case_a.reference in page
    assert not any(link in page for link in edit_links)
    assert 'id="case-actions"' not in page
    assert "修改" not in page
    assert "/transition/" not in page and "/complete/" not in page


def test_inspector_sees_no_create_or_edit_links_on_lists(client_as, ivan, county_a):
    firm = IntermediaryFirmFactory(jurisdiction=county_a)
    client = client_as(ivan)

    case_list = html(client.get(reverse("tracker:case_list")))
    firm_page = html(client.get(reverse("intermediaries:firm_detail", args=[firm.pk])))

    assert "新建事项" not in case_list
    assert reverse("intermediaries:firm_edit", args=[firm.pk]) not in firm_page


def test_viewer_dashboard_shows_counts(client_as, vera, alice, bob, county_a, county_b, dept_a):
    make_case("item", county_a, alice, department=dept_a)
    second = make_case("item", county_a, alice, department=dept_a)
    services.case_transition(case=second, to=Status.UNDER_REVIEW, by=alice, reason="核查")
    make_case("fee", county_b, bob)

    response = client_as(vera).get(reverse("tracker:dashboard"))

    assert response.status_code == 200
    rows = {row["kind"].key: row for row in response.context["rows"]}
    statuses = [s.value for s in response.context["statuses"]]
    assert rows["item"]["cells"][statuses.index("registered")] == 1
    assert rows["item"]["cells"][statuses.index("under_review")] == 1
    assert (rows["item"]["total"], rows["fee"]["total"]) == (2, 1)
    assert response.context["grand_total"] == 3
    page = html(response)
    assert 'id="kind-status"' in page
    assert 'href="/cases/' not in page  # a viewer is not linked to pages they may not open


# --- the firm register ---------------------------------------------------------------------


def bad_check_char(code: str) -> str:
    """The same code with a wrong 18th (check) character."""
    wrong = next(c for c in CREDIT_ALPHABET if c != code[17])
    return code[:17] + wrong


def firm_data(**overrides) -> dict:
    data = {
        "name": "某某工程咨询有限公司",
        "credit_code": valid_credit_code(990001),
        "legal_form": IntermediaryFirm.LegalForm.ENTERPRISE,
        "affiliation_type": "none",
    }
    data.update(overrides)
    return data


def test_create_firm(client_as, alice, county_a):
    response = client_as(alice).post(reverse("intermediaries:firm_create"), firm_data())

    firm = IntermediaryFirm.objects.get()
    assert response.status_code == 302
    assert (firm.jurisdiction, firm.credit_code, firm.version) == (
        county_a,
        valid_credit_code(990001),
        1,
    )
    assert firm.history.get().history_user == alice


def test_create_firm_with_bad_check_character_is_refused(client_as, alice):
    code = bad_check_char(valid_credit_code(990002))

    response = client_as(alice).post(
        reverse("intermediaries:firm_create"), firm_data(credit_code=code)
    )

    assert response.status_code == 200
    assert "校验位" in html(response)
    assert not IntermediaryFirm.objects.exists()


def test_staff_cannot_override_a_bad_credit_code(client_as, alice):
    code = bad_check_char(valid_credit_code(990003))

    response = client_as(alice).post(
        reverse("intermediaries:firm_create"),
        firm_data(credit_code=code, credit_code_override_reason="营业执照原件如此，已核实"),
    )

    assert response.status_code == 200
    assert "只有改革办管理员可以在代码校验不通过时保存。" in html(response)
    assert not IntermediaryFirm.objects.exists()


def test_admin_can_override_a_bad_credit_code_with_a_reason(client_as, carol, county_a):
    code = bad_check_char(valid_credit_code(990004))
    client = client_as(carol)
    url = reverse("intermediaries:firm_create") + f"?jurisdiction={county_a.pk}"

    refused = client.post(url, firm_data(credit_code=code))
    assert refused.status_code == 200 and "校验位" in html(refused)

    response = client.post(
        url, firm_data(credit_code=code, credit_code_override_reason="营业执照原件如此，已核实")
    )

    assert response.status_code == 302
    firm = IntermediaryFirm.objects.get()
    assert (firm.jurisdiction, firm.credit_code) == (county_a, code)
    assert firm.credit_code_override_reason == "营业执照原件如此，已核实"
    assert "营业执照原件如此，已核实" in html(client.get(response["Location"]))


# --- robustness of hidden fields -----------------------------------------------------------


@pytest.mark.parametrize("version", ["x", "-1", None], ids=["tampered", "negative", "missing"])
def test_case_edit_without_a_valid_version_is_refused_as_stale(client_as, alice, case_a, version):
    data = edit_data(case_a, version, deadline=(today() + datetime.timedelta(days=5)).isoformat())
    if version is None:
        del data["version"]

    response = client_as(alice).post(case_url(case_a, "case_edit"), data)

    assert response.status_code == 200
    assert "已被他人修改" in html(response)
    case = refresh(case_a)
    assert (case.version, case.deadline) == (1, case_a.deadline)


@pytest.mark.parametrize("version", ["x", None], ids=["tampered", "missing"])
def test_firm_edit_without_a_valid_version_is_refused_as_stale(client_as, alice, county_a, version):
    firm = IntermediaryFirmFactory(jurisdiction=county_a, name="甲区建设咨询有限公司")
    data = firm_data(
        credit_code=firm.credit_code, name="另一个名字", version=version, reason="更名"
    )
    if version is None:
        del data["version"]

    response = client_as(alice).post(reverse("intermediaries:firm_edit", args=[firm.pk]), data)

    assert response.status_code == 200
    assert "已被他人修改" in html(response)
    firm.refresh_from_db()
    assert (firm.name, firm.version) == ("甲区建设咨询有限公司", 1)
