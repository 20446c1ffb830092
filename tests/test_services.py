"""Write services: case creation, edits, evidence, milestones, notes, history and scoping."""

from __future__ import annotations

import datetime
import hashlib

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from fees.models import FeeItem
from intermediaries.models import DecouplingCase, IntermediaryItem, OfficialPost
from tests.factories import UserFactory, make_case, withdraw
from tracker.cases import services
from tracker.cases.scoping import get_case_for_user
from tracker.cases.workflow import Role, Status
from tracker.models import Case, Evidence, Milestone, Note, ReferenceCounter

SPRING_2026 = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)
MAX = 1024 * 1024
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"

MILESTONES = {
    "item": [
        "摸底申报",
        "审核论证",
        "征求意见",
        "常务会议审定",
        "公布清单",
        "部门公开及办事指南修订",
        "检查回头看",
    ],
    "firm": [
        "列入脱钩名单",
        "方案批复",
        "清产核资审计",
        "人员安置",
        "签订脱钩协议",
        "登记变更",
        "五分开核查验收",
        "回头看",
    ],
    "post": [
        "个人申报及承诺",
        "单位核实",
        "认定",
        "本人提交辞职",
        "企业完成变更登记",
        "退还报酬/退出持股",
        "组织部门备案销号",
    ],
    "fee": [
        "清理申报",
        "合法性审查",
        "处理意见",
        "财政价格部门审核",
        "政府批准",
        "目录公布",
        "停止收费",
        "公告与检查",
    ],
}
SUBJECTS = {"item": IntermediaryItem, "firm": DecouplingCase, "post": OfficialPost, "fee": FeeItem}


def pdf(name: str = "批复.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def nothing_written() -> bool:
    return not (
        Case.objects.exists()
        or Case.history.exists()
        or Milestone.objects.exists()
        or Milestone.history.exists()
        or ReferenceCounter.objects.exists()
        or IntermediaryItem.objects.exists()
        or IntermediaryItem.history.exists()
        or OfficialPost.objects.exists()
        or OfficialPost.history.exists()
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# --- case_create -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(MILESTONES))
def test_case_create_makes_the_kind_milestone_template(kind, county_a, alice):
    case = make_case(kind, county_a, alice)
    milestones = list(case.milestones.order_by("order"))
    assert len(milestones) == {"item": 7, "firm": 8, "post": 7, "fee": 8}[kind]
    assert [m.name for m in milestones] == MILESTONES[kind]
    assert [m.order for m in milestones] == list(range(1, len(milestones) + 1))
    assert not any(m.done for m in milestones)
    dues = [m.due_date for m in milestones]
    assert all(case.registered_on <= d <= case.deadline for d in dues)
    assert dues == sorted(dues)
    assert dues[-1] == case.deadline
    assert isinstance(case.subject, SUBJECTS[kind])
    assert case.kind == kind


def test_optional_milestones(county_a, alice):
    case = make_case("fee", county_a, alice)
    assert set(case.milestones.filter(required=False).values_list("code", flat=True)) == {
        "stopped",
        "notice",
    }


def test_case_title_comes_from_subject(county_a, alice):
    case = make_case("post", county_a, alice)
    assert case.title == "某县自然资源局副局长 在某某测绘有限公司任董事"
    assert (
        make_case("item", county_a, alice, name="地质灾害危险性评估").title == "地质灾害危险性评估"
    )


def test_reference_format_and_counters(county_a, county_b, alice, bob):
    with time_machine.travel(SPRING_2026):
        first = make_case("item", county_a, alice)
        second = make_case("item", county_a, alice)
        fee = make_case("fee", county_a, alice)
        other_county = make_case("item", county_b, bob)
    assert first.reference == "330102-ITEM-2026-0001"
    assert second.reference == "330102-ITEM-2026-0002"
    assert fee.reference == "330102-FEE-2026-0001"
    assert other_county.reference == "330105-ITEM-2026-0001"


def test_reference_year_is_the_registration_year(county_a, alice):
    with time_machine.travel(SPRING_2026):
        case = make_case("item", county_a, alice, registered_on=datetime.date(2025, 12, 1))
    assert case.reference == "330102-ITEM-2025-0001"


def test_deadline_defaults_to_31_december(county_a, alice):
    with time_machine.travel(SPRING_2026):
        case = make_case("item", county_a, alice)
    assert case.registered_on == datetime.date(2026, 3, 2)
    assert case.deadline == datetime.date(2026, 12, 31)
    assert case.status == Status.REGISTERED
    assert case.version == 1


def test_deadline_before_registration_refused_and_nothing_written(county_a, alice):
    with pytest.raises(ValidationError) as exc:
        make_case(
            "item",
            county_a,
            alice,
            registered_on=datetime.date(2026, 3, 2),
            deadline=datetime.date(2026, 3, 1),
        )
    assert "deadline" in exc.value.message_dict
    assert nothing_written()


def test_department_of_another_jurisdiction_refused(county_a, alice, dept_b):
    with pytest.raises(ValidationError) as exc:
        make_case("item", county_a, alice, department=dept_b)
    assert "department" in exc.value.message_dict
    assert nothing_written()


@pytest.mark.parametrize("persona", ["bob", "ivan", "vera"])
def test_case_create_refused_outside_role_or_scope(persona, county_a, request):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        make_case("item", county_a, user)
    assert nothing_written()


def test_city_admin_creates_in_a_county(county_a, carol):
    assert make_case("item", county_a, carol).jurisdiction == county_a


@pytest.mark.parametrize("person_ref", ["000000000000000000", "00000000000000000X", "0" * 15])
def test_official_post_refuses_id_number_shaped_ref(person_ref, county_a, alice):
    with pytest.raises(ValidationError) as exc:
        make_case("post", county_a, alice, person_ref=person_ref)
    assert "身份证" in exc.value.message_dict["person_ref"][0]
    assert nothing_written()


@pytest.mark.parametrize("person_ref", ["P-0001", "00000000000000000", "0000000000000000000"])
def test_official_post_accepts_internal_refs(person_ref, county_a, alice):
    case = make_case("post", county_a, alice, person_ref=person_ref)
    assert case.official_post.person_ref == person_ref


# --- history ---------------------------------------------------------------------------------


def test_case_create_history_has_user_and_reason(county_a, alice):
    case = make_case("item", county_a, alice, reason="年度摸底")
    for history in (case.history, case.subject.history, Milestone.history.filter(case=case)):
        rows = list(history.all())
        assert rows
        assert all(h.history_user == alice for h in rows)
        assert all(h.history_change_reason == "年度摸底" for h in rows)
    assert Milestone.history.filter(case=case).count() == 7


def test_case_create_default_reason(case_a, alice):
    row = case_a.history.get()
    assert (row.history_type, row.history_user, row.history_change_reason) == (
        "+",
        alice,
        "新建登记",
    )


def test_case_update_writes_history_and_bumps_version(case_a, alice):
    updated = services.case_update(
        case=case_a,
        by=alice,
        expected_version=1,
        case_fields={"deadline": datetime.date(2026, 12, 20)},
        subject_fields={"provider": "某某评估中心"},
        reason="调整时限",
    )
    assert updated.version == 2
    case_row = case_a.history.latest("history_id")
    assert (case_row.history_user, case_row.history_change_reason) == (alice, "调整时限")
    assert case_row.deadline == datetime.date(2026, 12, 20)
    subject_row = case_a.intermediary_item.history.latest("history_id")
    assert (subject_row.history_user, subject_row.history_change_reason) == (alice, "调整时限")
    assert subject_row.provider == "某某评估中心"


def test_case_transition_writes_history(case_a, alice):
    services.case_transition(case=case_a, to=Status.UNDER_REVIEW, by=alice, reason="开始核查")
    row = case_a.history.latest("history_id")
    assert (row.status, row.history_user, row.history_change_reason) == (
        Status.UNDER_REVIEW,
        alice,
        "开始核查",
    )


def test_milestone_complete_writes_history(case_a, alice):
    milestone = case_a.milestones.get(code="self_report")
    services.milestone_complete(
        milestone=milestone,
        by=alice,
        effective_date=timezone.localdate(),
        doc_no="甲改办〔2026〕3号",
    )
    row = milestone.history.latest("history_id")
    assert row.done
    assert (row.history_user, row.history_change_reason) == (alice, "完成节点：摸底申报")
    milestone.refresh_from_db()
    assert (milestone.recorded_by, milestone.doc_no) == (alice, "甲改办〔2026〕3号")


def test_evidence_add_and_supersede_write_history(media, case_a, alice):
    old = services.evidence_add(case=case_a, by=alice, title="批复", upload=pdf(), max_bytes=MAX)
    row = old.history.get()
    assert (row.history_user, row.history_change_reason) == (alice, "上传佐证材料")
    new = services.evidence_add(
        case=case_a, by=alice, title="批复（更正）", upload=pdf(), max_bytes=MAX, reason="更正版"
    )
    assert new.history.get().history_change_reason == "更正版"
    services.evidence_supersede(old=old, new=new, by=alice, reason="原件页码缺失")
    row = old.history.latest("history_id")
    assert (row.history_user, row.history_change_reason) == (alice, "原件页码缺失")
    assert row.superseded_by_id == new.pk


def test_note_add_writes_history(case_a, alice):
    note = services.note_add(case=case_a, by=alice, text="  已与部门沟通  ")
    assert note.text == "已与部门沟通"
    row = note.history.get()
    assert (row.history_user, row.history_change_reason) == (alice, "添加备注")


def test_note_add_refuses_blank_and_non_editors(case_a, alice, ivan, bob):
    with pytest.raises(ValidationError):
        services.note_add(case=case_a, by=alice, text="   ")
    with pytest.raises(PermissionDenied):
        services.note_add(case=case_a, by=ivan, text="检查意见")
    with pytest.raises(PermissionDenied):
        services.note_add(case=case_a, by=bob, text="越权")
    assert not Note.objects.exists()


# --- case_update -----------------------------------------------------------------------------


def test_case_update_stale_version_refused_and_changes_nothing(case_a, alice, carol):
    services.case_update(
        case=case_a,
        by=carol,
        expected_version=1,
        case_fields={"deadline": datetime.date(2026, 12, 25)},
        reason="市里统一调整",
    )
    history_before = case_a.history.count()
    with pytest.raises(services.StaleEdit) as exc:
        services.case_update(
            case=case_a,
            by=alice,
            expected_version=1,
            case_fields={"deadline": datetime.date(2026, 12, 30)},
            subject_fields={"provider": "不应保存"},
            reason="过期表单",
        )
    assert "当前版本 2" in str(exc.value)
    assert any("市里统一调整" in change for change in exc.value.changes)
    fresh = Case.objects.get(pk=case_a.pk)
    assert (fresh.version, fresh.deadline) == (2, datetime.date(2026, 12, 25))
    assert fresh.intermediary_item.provider == ""
    assert case_a.history.count() == history_before


def test_case_update_needs_a_reason(case_a, alice):
    with pytest.raises(ValidationError):
        services.case_update(case=case_a, by=alice, expected_version=1, case_fields={}, reason="  ")
    assert Case.objects.get(pk=case_a.pk).version == 1


def test_case_update_never_sets_status(case_a, alice):
    with pytest.raises(ValueError):
        services.case_update(
            case=case_a,
            by=alice,
            expected_version=1,
            case_fields={"status": Status.CLOSED},
            reason="直接改状态",
        )
    fresh = Case.objects.get(pk=case_a.pk)
    assert (fresh.status, fresh.version) == (Status.REGISTERED, 1)


def test_case_update_refused_outside_scope(case_a, bob):
    with pytest.raises(PermissionDenied):
        services.case_update(
            case=case_a, by=bob, expected_version=1, case_fields={}, reason="越权修改"
        )


def test_case_update_invalid_deadline_changes_nothing(case_a, alice):
    with pytest.raises(ValidationError):
        services.case_update(
            case=case_a,
            by=alice,
            expected_version=1,
            case_fields={"deadline": case_a.registered_on - datetime.timedelta(days=1)},
            reason="误填",
        )
    fresh = Case.objects.get(pk=case_a.pk)
    assert (fresh.version, fresh.deadline) == (1, case_a.deadline)
    assert case_a.history.count() == 1


# --- evidence --------------------------------------------------------------------------------


def test_evidence_add_stores_sha256_under_a_generated_name(media, case_a, alice):
    evidence = services.evidence_add(
        case=case_a, by=alice, title="批复", upload=pdf("../../批复 原件.PDF"), max_bytes=MAX
    )
    evidence.refresh_from_db()
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    assert evidence.size == len(PDF)
    assert evidence.original_name == "批复 原件.PDF"
    assert evidence.uploaded_by == alice
    assert "批复" not in evidence.file.name and ".." not in evidence.file.name
    assert evidence.file.name.startswith("evidence/") and evidence.file.name.endswith(".pdf")
    stored = media / evidence.file.name
    assert stored.read_bytes() == PDF


def test_evidence_without_file_needs_doc_no(case_a, alice):
    with pytest.raises(ValidationError, match="上传文件或填写文号"):
        services.evidence_add(case=case_a, by=alice, title="批复", upload=None, max_bytes=MAX)
    evidence = services.evidence_add(
        case=case_a, by=alice, title="批复", upload=None, doc_no="甲政发〔2026〕5号", max_bytes=MAX
    )
    assert (evidence.sha256, evidence.file.name) == ("", "")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (pdf(content=PDF + b"0" * MAX), "文件过大"),
        (pdf(content=b""), "文件为空"),
        (SimpleUploadedFile("tool.exe", b"MZ\x90\x00"), "不支持的文件类型"),
        (SimpleUploadedFile("批复.pdf.exe", PDF), "不支持的文件类型"),
        (SimpleUploadedFile("noextension", PDF), "不支持的文件类型"),
        (SimpleUploadedFile("批复.pdf", b"<html><script>alert(1)</script>"), "不符"),
        (SimpleUploadedFile("scan.png", PDF), "不符"),
        (SimpleUploadedFile("doc.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), "不符"),
    ],
    ids=[
        "too-large",
        "empty",
        "exe",
        "double-ext",
        "no-ext",
        "html-as-pdf",
        "pdf-as-png",
        "doc-as-docx",
    ],
)
def test_bad_evidence_refused(upload, message, media, case_a, alice):
    with pytest.raises(ValidationError, match=message):
        services.evidence_add(case=case_a, by=alice, title="材料", upload=upload, max_bytes=MAX)
    assert not Evidence.objects.exists()
    assert not any(p.is_file() for p in media.rglob("*"))


def test_evidence_at_the_size_limit_accepted(media, case_a, alice):
    content = PDF + b"0" * (MAX - len(PDF))
    evidence = services.evidence_add(
        case=case_a, by=alice, title="大文件", upload=pdf(content=content), max_bytes=MAX
    )
    assert evidence.size == MAX


def test_refused_evidence_record_leaves_no_file(media, case_a, alice):
    with pytest.raises(ValidationError):
        services.evidence_add(case=case_a, by=alice, title="  ", upload=pdf(), max_bytes=MAX)
    assert not Evidence.objects.exists()
    assert not any(p.is_file() for p in media.rglob("*"))


def test_evidence_add_refused_for_inspector_and_other_county(media, case_a, ivan, bob):
    for user in (ivan, bob):
        with pytest.raises(PermissionDenied):
            services.evidence_add(case=case_a, by=user, title="材料", upload=pdf(), max_bytes=MAX)
    assert not Evidence.objects.exists()


def test_evidence_supersede_marks_old_and_deletes_nothing(media, case_a, alice):
    old = services.evidence_add(case=case_a, by=alice, title="旧", upload=pdf(), max_bytes=MAX)
    new = services.evidence_add(case=case_a, by=alice, title="新", upload=pdf(), max_bytes=MAX)
    services.evidence_supersede(old=old, new=new, by=alice, reason="替换为盖章版")
    old.refresh_from_db()
    assert old.superseded_by == new
    assert old.superseded_reason == "替换为盖章版"
    assert Evidence.objects.filter(case=case_a).count() == 2
    assert (media / old.file.name).is_file()
    with pytest.raises(ValidationError, match="已被替换"):
        services.evidence_supersede(old=old, new=new, by=alice, reason="再次替换")


def test_evidence_supersede_needs_reason_and_same_case(media, case_a, alice, county_a):
    old = services.evidence_add(case=case_a, by=alice, title="旧", upload=pdf(), max_bytes=MAX)
    other_case = make_case("fee", county_a, alice)
    elsewhere = services.evidence_add(
        case=other_case, by=alice, title="别的事项", upload=pdf(), max_bytes=MAX
    )
    with pytest.raises(ValidationError):
        services.evidence_supersede(old=old, new=elsewhere, by=alice, reason="错配")
    with pytest.raises(ValidationError):
        services.evidence_supersede(old=old, new=old, by=alice, reason="自己替换自己")
    new = services.evidence_add(case=case_a, by=alice, title="新", upload=pdf(), max_bytes=MAX)
    with pytest.raises(ValidationError):
        services.evidence_supersede(old=old, new=new, by=alice, reason="")
    old.refresh_from_db()
    assert old.superseded_by is None


# --- milestones ------------------------------------------------------------------------------


def test_milestone_complete_needs_doc_no_or_evidence(media, case_a, alice):
    milestone = case_a.milestones.get(code="self_report")
    with pytest.raises(ValidationError, match="文号或选择佐证材料"):
        services.milestone_complete(
            milestone=milestone, by=alice, effective_date=timezone.localdate(), doc_no="  "
        )
    milestone.refresh_from_db()
    assert not milestone.done
    evidence = services.evidence_add(
        case=case_a, by=alice, title="申报表", upload=pdf(), max_bytes=MAX
    )
    services.milestone_complete(
        milestone=milestone, by=alice, effective_date=timezone.localdate(), evidence=evidence
    )
    milestone.refresh_from_db()
    assert milestone.done and milestone.evidence == evidence


def test_milestone_complete_refuses_future_effective_date(case_a, alice):
    milestone = case_a.milestones.get(code="self_report")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.milestone_complete(
            milestone=milestone, by=alice, effective_date=tomorrow, doc_no="文号"
        )
    milestone.refresh_from_db()
    assert (milestone.done, milestone.effective_date) == (False, None)
    assert milestone.history.count() == 1


def test_milestone_complete_records_effective_date_apart_from_recorded_time(case_a, alice):
    milestone = case_a.milestones.get(code="self_report")
    with time_machine.travel(datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.UTC)):
        services.milestone_complete(
            milestone=milestone, by=alice, effective_date=datetime.date(2026, 11, 20), doc_no="文号"
        )
    milestone.refresh_from_db()
    assert milestone.effective_date == datetime.date(2026, 11, 20)
    assert timezone.localdate(milestone.recorded_at) == datetime.date(2026, 12, 1)


def test_milestone_complete_refuses_done_and_foreign_evidence(media, case_a, alice, county_a):
    other = make_case("fee", county_a, alice)
    foreign = services.evidence_add(case=other, by=alice, title="别处", upload=pdf(), max_bytes=MAX)
    milestone = case_a.milestones.get(code="self_report")
    with pytest.raises(ValidationError, match="不属于该事项"):
        services.milestone_complete(
            milestone=milestone, by=alice, effective_date=timezone.localdate(), evidence=foreign
        )
    services.milestone_complete(
        milestone=milestone, by=alice, effective_date=timezone.localdate(), doc_no="文号"
    )
    with pytest.raises(ValidationError, match="已完成"):
        services.milestone_complete(
            milestone=milestone, by=alice, effective_date=timezone.localdate(), doc_no="文号2"
        )


def test_milestone_complete_refused_on_withdrawn_case(case_a, alice, ivan):
    milestone = case_a.milestones.get(code="self_report")
    with pytest.raises(PermissionDenied):
        services.milestone_complete(
            milestone=milestone, by=ivan, effective_date=timezone.localdate(), doc_no="文号"
        )
    withdraw(case_a, alice, reason="重复登记")
    milestone.refresh_from_db()
    with pytest.raises(ValidationError, match="已撤回"):
        services.milestone_complete(
            milestone=milestone, by=alice, effective_date=timezone.localdate(), doc_no="文号"
        )


# --- scoping ---------------------------------------------------------------------------------


@pytest.fixture
def case_b(county_b, bob):
    return make_case("fee", county_b, bob)


def test_county_staff_see_only_their_county(case_a, case_b, alice, bob):
    assert list(Case.objects.for_user(alice)) == [case_a]
    assert list(Case.objects.for_user(bob)) == [case_b]


@pytest.mark.parametrize("persona", ["carol", "ivan", "vera"])
def test_city_users_see_every_county(persona, case_a, case_b, request):
    user = request.getfixturevalue(persona)
    assert set(Case.objects.for_user(user)) == {case_a, case_b}


def test_get_case_for_user_is_404_outside_scope(case_a, case_b, alice, bob, carol):
    assert get_case_for_user(alice, case_a.reference) == case_a
    assert get_case_for_user(carol, case_b.reference) == case_b
    with pytest.raises(Http404):
        get_case_for_user(bob, case_a.reference)
    with pytest.raises(Http404):
        get_case_for_user(alice, case_b.reference)
    with pytest.raises(Http404):
        get_case_for_user(alice, "330102-ITEM-2026-9999")


def test_users_without_scope_see_nothing(case_a, county_a):
    inactive = UserFactory(username="gone", role=Role.STAFF, jurisdiction=county_a, is_active=False)
    homeless = UserFactory(username="homeless", role=Role.ADMIN, jurisdiction=None)
    for user in (AnonymousUser(), inactive, homeless):
        assert not Case.objects.for_user(user).exists()
    with pytest.raises(Http404):
        get_case_for_user(homeless, case_a.reference)
