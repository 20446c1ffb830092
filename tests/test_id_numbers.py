"""One citizen-ID detector for every text path (issue 19, finding 5).

All ID numbers below are made up: area code, birth date and sequence chosen here, the check
character computed with GB 11643 (``test_made_up_numbers_have_valid_check_characters``), so
none is a real person's. 11010519491231002X is the standard's own worked example, used in
the issue report."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import make_case
from tracker.audit import services as inspection_services
from tracker.cases import services
from tracker.cases.validators import find_id_numbers, id_check_character
from tracker.models import Evidence, InspectionNote, Note

MADE_UP = ["33010219800101123X", "440306197511204565", "51010719920229781X", "11010519491231002X"]

DISGUISED = [
    "33010219800101123X",
    "33010219800101123x",
    "330102 19800101 123X",
    "330102-19800101-123X",
    "330102–19800101—123X",  # en and em dashes
    "3301 0219 8001 0112 3X",
    "ID33010219800101123X",
    "id: 440306197511204565",
    "No.440306197511204565",
    "33010219800101123X号",
    "身份证33010219800101123X",
    "身份证号：440306197511204565。",
    "３３０１０２１９８００１０１１２３Ｘ",  # full-width
    "330102\u200b19800101\u200c123X",  # zero-width space and non-joiner
    "3301021980\u00ad0101123X",  # soft hyphen
    "110105 19491231 002X",
    "110105-19491231-002X",
    "ID11010519491231002X",
    "11010519491231002X号",
    "联系人张三，证件 51010719920229781X，电话 13800138000",
    "330102800101123",  # first-generation 15 digits
    "身份证 330102 800101 123",
]

ORDINARY = [
    "国办发〔2015〕31号",
    "浙政办发〔2026〕12号",
    "杭发改审批〔2026〕1234号",
    "123456789012345.00",
    "¥1,234,567,890,123.45",
    "金额 1234567.89 元",
    "13800138000",
    "138-0013-8000",
    "0571-87654321",
    "+86 571 8765 4321",
    "91330100MA27Y1234X",
    "91330106MA2B0XXL4F",
    "12330000002482188T",
    "2026-12-03",
    "2026年12月3日",
    "20261203",
    "330102-ITEM-2026-0007",
    "第 330102 号",
    "1234567890123456",  # 16 digits: a card-like number, not an ID
    "00000000000000000000",
    "330102198013011234",  # 18 digits, but no such birth date (month 13)
    "330102198001011230",  # 18 digits, right date, wrong check character
    "990102198001011236",  # no such province
    "备注：已于2026-11-30完成整改，文号见附件。",
]


def test_made_up_numbers_have_valid_check_characters():
    for number in MADE_UP:
        assert id_check_character(number[:17]) == number[17], number


@pytest.mark.parametrize("text", DISGUISED)
def test_disguised_id_numbers_are_found(text):
    assert find_id_numbers(text), text


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_values_pass(text):
    assert find_id_numbers(text) == [], text


pytestmark_db = pytest.mark.django_db


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["备注 330102 19800101 123X", "ID440306197511204565"])
def test_note_service_refuses(case_a, alice, text):
    with pytest.raises(ValidationError):
        services.note_add(case=case_a, by=alice, text=text)
    assert not Note.objects.exists()


@pytest.mark.django_db
def test_reasons_are_checked(case_a, alice):
    with pytest.raises(ValidationError):
        services.case_update(
            case=case_a,
            by=alice,
            expected_version=case_a.version,
            case_fields={},
            reason="按 330102-19800101-123X 的申请",
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field", ["person_ref", "person_name", "employing_unit", "post", "firm_name"]
)
def test_official_post_fields_refuse_id_numbers(county_a, alice, field):
    with pytest.raises(ValidationError) as exc:
        make_case("post", county_a, alice, **{field: "３３０１０２１９８００１０１１２３Ｘ"})
    assert field in exc.value.error_dict


@pytest.mark.django_db
def test_evidence_title_and_file_name_are_checked(case_a, alice, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    pdf = b"%PDF-1.4\n%%EOF\n"
    with pytest.raises(ValidationError):
        services.evidence_add(
            case=case_a,
            by=alice,
            title="材料 ID33010219800101123X",
            upload=SimpleUploadedFile("a.pdf", pdf),
            max_bytes=10_000,
        )
    with pytest.raises(ValidationError):
        services.evidence_add(
            case=case_a,
            by=alice,
            title="材料",
            upload=SimpleUploadedFile("33010219800101123X号.pdf", pdf),
            max_bytes=10_000,
        )
    assert not Evidence.objects.exists()


@pytest.mark.django_db
def test_inspection_note_is_checked(case_a, ivan):
    with pytest.raises(ValidationError):
        inspection_services.inspection_note_add(
            case=case_a, by=ivan, text="当事人 330102 800101 123"
        )
    assert not InspectionNote.objects.exists()


@pytest.mark.django_db
def test_note_form_shows_the_error_and_stores_nothing(client_as, case_a, alice):
    response = client_as(alice).post(
        reverse("tracker:note_add", args=[case_a.reference]),
        {"text": "身份证号 110105-19491231-002X"},
        follow=True,
    )
    assert "请勿填写居民身份证号码" in response.content.decode()
    assert not Note.objects.exists()


@pytest.mark.django_db
def test_ordinary_note_is_kept(case_a, alice):
    note = services.note_add(
        case=case_a, by=alice, text="依据 国办发〔2015〕31号，电话 13800138000"
    )
    assert note.pk


@pytest.mark.django_db
def test_import_cells_are_checked(alice, county_a, dept_a, settings, tmp_path):
    from tests.test_import_support import ITEM_HEADER, item_row, preview, xlsx_bytes

    settings.MEDIA_ROOT = tmp_path
    rows = [
        ITEM_HEADER,
        item_row(1, "事项 ID33010219800101123X", dept_a.name),
        item_row(2, "普通事项", dept_a.name, basis="国办发〔2015〕31号"),
    ]
    report = preview(xlsx_bytes(rows), alice, county_a)
    assert not report.ok
    bad = [r for r in report.rows if r.number == 2]
    assert bad and any("身份证" in message for _h, message in bad[0].errors)
    assert not any(r.errors for r in report.rows if r.number == 3)
