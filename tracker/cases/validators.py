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


# --- citizen ID numbers (居民身份证号码, GB 11643) -------------------------------------------
# No ID number is ever stored (DOMAIN.md §5). One detector for every text path: forms, the
# write services (tracked_save, require_reason), the import's cells. Disguises are undone
# first: full-width digits (NFKC), zero-width and soft-hyphen characters, spaces and hyphens
# between digits, and letter prefixes such as "ID" or "No."; Chinese prefixes and suffixes
# (身份证, 号) are never digits, so they bound a number like any other character.

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"))
# Separators a person types inside a number: spaces, hyphens and dashes (not "." or ",",
# which are part of amounts, nor "/" of dates and document numbers).
_ID_SEPARATORS = re.compile(r"(?<=[0-9])[ \t\-\u2010-\u2015\u2212_]+(?=[0-9Xx])")
_ID_LETTER_PREFIX = re.compile(r"(?i)(?<![A-Za-z])(?:id|no|sfz)[.:#]?\s*(?=[0-9])")
_ID_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])([0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9A-Za-z])")
# GB/T 2260 province codes, the first two digits of every ID number (83: residence permits
# of Taiwan residents, which follow the same rules).
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 "
    "64 65 71 81 82 83".split()
)


def _birth_date_is_real(yyyymmdd: str) -> bool:
    import datetime

    try:
        day = datetime.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return datetime.date(1900, 1, 1) <= day <= datetime.date.today()


def id_check_character(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS)) % 11]


def is_id_number(number: str) -> bool:
    """An 18-character number with a right check character, or a 15-digit first-generation
    number, each with a real province and birth date."""
    number = number.upper()
    if number[:2] not in _PROVINCES:
        return False
    if len(number) == 18 and number[:17].isdigit():
        return id_check_character(number[:17]) == number[17] and _birth_date_is_real(number[6:14])
    if len(number) == 15 and number.isdigit():
        return _birth_date_is_real("19" + number[6:12])
    return False


def normalise_for_id_search(text: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKC", str(text)).translate(_INVISIBLE)
    text = _ID_LETTER_PREFIX.sub(" ", text)
    return _ID_SEPARATORS.sub("", text)


def find_id_numbers(text: str) -> list[str]:
    """The citizen ID numbers in ``text``, however disguised (normalised form)."""
    if not text:
        return []
    plain = normalise_for_id_search(text)
    return [m.group(1).upper() for m in _ID_CANDIDATE.finditer(plain) if is_id_number(m.group(1))]


ID_NUMBER_MESSAGE = _(
    "请勿填写居民身份证号码：为保护个人信息，系统不保存身份证号码（包括加空格、连字符、"
    "全角数字或前后缀的写法）。人员请使用内部编号。"
)


def validate_no_id_number(value) -> None:
    """Validator: refuse text holding a citizen ID number."""
    if isinstance(value, str) and find_id_numbers(value):
        raise ValidationError(ID_NUMBER_MESSAGE, code="id_number")


def id_number_fields(instance) -> list[str]:
    """Names of the instance's text fields (and file names) holding a citizen ID number."""
    found = []
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname, None)
        if hasattr(value, "name") and not isinstance(value, str):  # a FieldFile: its name
            value = value.name
        if isinstance(value, str) and value and find_id_numbers(value):
            found.append(field.name)
    return found


def refuse_id_numbers(instance) -> None:
    """Raise a ValidationError naming every text field of ``instance`` with an ID number."""
    fields = id_number_fields(instance)
    if fields:
        raise ValidationError({name: ID_NUMBER_MESSAGE for name in fields}, code="id_number")
