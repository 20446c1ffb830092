"""Citizen ID numbers (居民身份证号码) are never stored (DOMAIN.md §5): free text from the public
is refused when it holds one.

The core's detector in ``tracker.cases.validators`` is used when it offers one
(``find_id_numbers``); otherwise this module's: an 18-character GB 11643 number whose
birth date is a real date and whose check character is right (full-width digits folded
first), or a 15-digit first-generation number with a real birth date; digits run on both
sides are not part of a number.
"""

from __future__ import annotations

import datetime
import re

from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")
_CANDIDATE = re.compile(r"(?<![0-9])([0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])")
_SEPARATED = re.compile(r"(?<![0-9])([0-9]{6})[ \-]([0-9]{8})[ \-]([0-9]{3}[0-9Xx])(?![0-9])")


def _real_date(text: str) -> bool:
    try:
        day = datetime.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return False
    return datetime.date(1900, 1, 1) <= day <= datetime.date.today()


def _is_id(number: str) -> bool:
    number = number.upper()
    if len(number) == 18:
        total = sum(int(c) * w for c, w in zip(number[:17], WEIGHTS, strict=True))
        return CHECK[total % 11] == number[17] and _real_date(number[6:14])
    if len(number) == 15 and number.isdigit():
        return _real_date("19" + number[6:12])
    return False


def find_id_numbers(text: str) -> list[str]:
    """The citizen ID numbers in ``text``."""
    try:
        from tracker.cases import validators

        core = getattr(validators, "find_id_numbers", None)
    except ImportError:  # pragma: no cover - the core module always exists
        core = None
    if core is not None:
        return list(core(text))
    folded = (text or "").translate(_FULL_WIDTH)
    found = [m.group(1) for m in _CANDIDATE.finditer(folded) if _is_id(m.group(1))]
    found += [
        "".join(m.groups()) for m in _SEPARATED.finditer(folded) if _is_id("".join(m.groups()))
    ]
    return found


def id_number_problem(text: str) -> str | None:
    if find_id_numbers(text):
        return _("请勿填写居民身份证号码：为保护个人信息，含身份证号码的内容不予接收。")
    return None
