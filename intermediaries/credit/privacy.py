"""Citizen ID numbers (居民身份证号码) are never stored (DOMAIN.md §5): free text from the public
is refused when it holds one, found by the core's one detector
(``tracker.cases.validators.find_id_numbers``: full-width digits, separators, zero-width
characters and prefixes undone; 18- and 15-digit forms with checksum and a real birth date)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tracker.cases.validators import find_id_numbers

__all__ = ["find_id_numbers", "id_number_problem"]


def id_number_problem(text: str) -> str | None:
    if find_id_numbers(text):
        return _("请勿填写居民身份证号码：为保护个人信息，含身份证号码的内容不予接收。")
    return None
