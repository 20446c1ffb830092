"""Identifier checks from DOMAIN.md §5: GB/T 2260 division codes and GB 32100 credit codes."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
DIVISION_RE = re.compile(r"^[1-9]\d{5}$")


def validate_division_code(value: str) -> None:
    """A GB/T 2260 code: six digits, province part not 00."""
    if not isinstance(value, str) or not DIVISION_RE.match(value):
        raise ValidationError(
            _("行政区划代码必须是 6 位数字（GB/T 2260），例如 330102。"), code="division_code"
        )


def division_level(code: str) -> str:
    """Level implied by a division code: province, city (prefecture) or county."""
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def credit_code_problems(value: str) -> list[str]:
    """Return human-readable problems with an 18-character unified social credit code.

    An empty list means the code is valid under GB 32100-2015.
    """
    problems: list[str] = []
    code = (value or "").strip().upper()
    if len(code) != 18:
        return [str(_("统一社会信用代码应为 18 位，当前为 %(n)d 位。") % {"n": len(code)})]
    bad = [c for c in code if c not in CREDIT_ALPHABET]
    if bad:
        return [
            str(
                _("统一社会信用代码含有不允许的字符：%(chars)s（不使用 I、O、S、V、Z）。")
                % {"chars": "".join(sorted(set(bad)))}
            )
        ]
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(code[:17], CREDIT_WEIGHTS))
    check = (31 - total % 31) % 31
    if CREDIT_ALPHABET[check] != code[17]:
        problems.append(
            str(
                _("统一社会信用代码校验位错误：第 18 位应为 %(expected)s，实为 %(got)s。")
                % {"expected": CREDIT_ALPHABET[check], "got": code[17]}
            )
        )
    return problems


def org_code_is_valid(code: str) -> bool:
    """GB 11714 organisation code check (9 characters, last one a check character)."""
    code = (code or "").strip().upper()
    if len(code) != 9 or any(c not in ORG_ALPHABET for c in code[:8]):
        return False
    total = sum(ORG_ALPHABET.index(c) * w for c, w in zip(code[:8], ORG_WEIGHTS))
    c9 = 11 - total % 11
    expected = "X" if c9 == 10 else "0" if c9 == 11 else str(c9)
    return code[8] == expected


def validate_credit_code(value: str) -> None:
    problems = credit_code_problems(value)
    if problems:
        raise ValidationError([ValidationError(p, code="credit_code") for p in problems])
