"""Identifier checks (GB/T 2260, GB 32100, GB 11714) and where the firm register applies them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from intermediaries.forms import FirmForm
from intermediaries.models import IntermediaryFirm
from tests.factories import credit_check_char, valid_credit_code
from tracker.cases.validators import (
    credit_code_problems,
    division_level,
    org_code_is_valid,
    validate_credit_code,
    validate_division_code,
)

VALID = "91350200776049653A"
WRONG_CHECK = "913502007760496530"  # VALID with the check character changed


# --- credit codes (GB 32100) -----------------------------------------------------------------


def test_valid_credit_code_has_no_problems():
    assert credit_code_problems(VALID) == []
    validate_credit_code(VALID)


def test_credit_code_is_checked_case_and_space_insensitively():
    assert credit_code_problems(f"  {VALID.lower()} ") == []


def test_factory_codes_are_valid():
    assert credit_check_char(VALID[:17]) == VALID[17]
    for n in (0, 1, 42, 99999):
        assert credit_code_problems(valid_credit_code(n)) == []


@pytest.mark.parametrize(
    ("code", "n"),
    [("", 0), ("9135020077604965", 16), (VALID[:17], 17), (VALID + "1", 19)],
)
def test_credit_code_wrong_length(code, n):
    problems = credit_code_problems(code)
    assert len(problems) == 1
    assert "18 位" in problems[0]
    assert f"当前为 {n} 位" in problems[0]


@pytest.mark.parametrize("bad", ["I", "O", "S", "V", "Z"])
def test_credit_code_letters_not_in_alphabet(bad):
    code = VALID[:10] + bad + VALID[11:]
    problems = credit_code_problems(code)
    assert len(problems) == 1
    assert "不允许的字符" in problems[0]
    assert f"：{bad}（" in problems[0]


def test_credit_code_punctuation_refused():
    problems = credit_code_problems("91350200-76049653A")
    assert "不允许的字符" in problems[0]
    assert "-" in problems[0]


def test_credit_code_wrong_check_character_names_expected_and_got():
    problems = credit_code_problems(WRONG_CHECK)
    assert len(problems) == 1
    assert "校验位错误" in problems[0]
    assert "应为 A" in problems[0]
    assert "实为 0" in problems[0]


def test_credit_code_single_digit_typo_caught():
    typo = VALID[:5] + "1" + VALID[6:]  # 9135021077... instead of 9135020077...
    assert "校验位错误" in credit_code_problems(typo)[0]


def test_validate_credit_code_raises():
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(WRONG_CHECK)
    assert "校验位错误" in exc.value.messages[0]


def test_validate_credit_code_error_has_code():
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(WRONG_CHECK)
    assert exc.value.error_list[0].code == "credit_code"


# --- division codes (GB/T 2260) --------------------------------------------------------------


@pytest.mark.parametrize("code", ["330102", "330100", "330000", "110101", "654326"])
def test_division_code_valid(code):
    validate_division_code(code)


@pytest.mark.parametrize(
    "code", ["", "33010", "3301020", "030102", "000000", "33O102", " 330102", 330102]
)
def test_division_code_invalid(code):
    with pytest.raises(ValidationError) as exc:
        validate_division_code(code)
    assert "6 位数字" in exc.value.messages[0]
    assert exc.value.error_list[0].code == "division_code"


@pytest.mark.parametrize(
    ("code", "level"), [("330000", "province"), ("330100", "city"), ("330102", "county")]
)
def test_division_level(code, level):
    assert division_level(code) == level


# --- organisation codes (GB 11714) -----------------------------------------------------------


@pytest.mark.parametrize("code", ["776049653", "D2143569X", "d2143569x", "000000000"])
def test_org_code_valid(code):
    assert org_code_is_valid(code)


@pytest.mark.parametrize(
    "code", ["", "77604965", "7760496530", "776049654", "D21435691", "77604965-", "7760-4965"]
)
def test_org_code_invalid(code):
    assert not org_code_is_valid(code)


def test_credit_code_embeds_valid_org_code():
    assert org_code_is_valid(VALID[8:17])


# --- the firm register -----------------------------------------------------------------------


def firm(jurisdiction, **fields) -> IntermediaryFirm:
    return IntermediaryFirm(
        jurisdiction=jurisdiction,
        name="测试工程咨询有限公司",
        legal_form=IntermediaryFirm.LegalForm.ENTERPRISE,
        **fields,
    )


def test_firm_with_valid_code_passes_and_is_normalised(county_a):
    f = firm(county_a, credit_code=VALID.lower())
    f.full_clean()
    assert f.credit_code == VALID


def test_firm_with_blank_code_stores_null(county_a):
    f = firm(county_a, credit_code="")
    f.full_clean()
    assert f.credit_code is None


def test_firm_with_invalid_code_refused(county_a):
    with pytest.raises(ValidationError) as exc:
        firm(county_a, credit_code=WRONG_CHECK).full_clean()
    assert "credit_code" in exc.value.message_dict
    assert "校验位错误" in exc.value.message_dict["credit_code"][0]


def test_firm_with_invalid_code_and_blank_override_refused(county_a):
    with pytest.raises(ValidationError):
        firm(county_a, credit_code=WRONG_CHECK, credit_code_override_reason="   ").full_clean()


def test_firm_with_invalid_code_and_override_reason_accepted(county_a):
    f = firm(
        county_a,
        credit_code=WRONG_CHECK,
        credit_code_override_reason="2014 年前核发的旧代码，已与登记机关核实。",
    )
    f.full_clean()
    f.save()
    assert IntermediaryFirm.objects.get(pk=f.pk).credit_code == WRONG_CHECK


def firm_form(user, jurisdiction, **data) -> FirmForm:
    payload = {
        "name": "测试工程咨询有限公司",
        "legal_form": IntermediaryFirm.LegalForm.ENTERPRISE,
        "affiliation_type": "none",
        **data,
    }
    return FirmForm(data=payload, jurisdiction=jurisdiction, user=user)


def test_firm_form_accepts_valid_code_for_staff(alice, county_a):
    form = firm_form(alice, county_a, credit_code=VALID)
    assert form.is_valid(), form.errors


def test_firm_form_refuses_invalid_code_without_reason(carol, city):
    form = firm_form(carol, city, credit_code=WRONG_CHECK)
    assert not form.is_valid()
    assert "校验位错误" in form.errors["credit_code"][0]


def test_firm_form_lets_admin_override_with_reason(carol, city):
    form = firm_form(
        carol, city, credit_code=WRONG_CHECK, credit_code_override_reason="旧代码，已核实。"
    )
    assert form.is_valid(), form.errors
    form.instance.jurisdiction = city
    saved = form.save()
    assert saved.credit_code == WRONG_CHECK
    assert saved.credit_code_override_reason == "旧代码，已核实。"


def test_firm_form_refuses_staff_override(alice, county_a):
    form = firm_form(
        alice, county_a, credit_code=WRONG_CHECK, credit_code_override_reason="旧代码，已核实。"
    )
    assert not form.is_valid()
    assert "只有改革办管理员" in form.errors["credit_code_override_reason"][0]
    assert not IntermediaryFirm.objects.exists()
