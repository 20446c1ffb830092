"""Value parsers: one per column parser name (PARSERS), and the department index."""

from __future__ import annotations

import datetime
import decimal
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.utils import translation
from django.utils.translation import gettext as _

from tracker.cases.validators import credit_code_problems
from tracker.imports.engine.cells import (
    DATE_RE,
    EXCEL_EPOCH,
    FALSE_WORDS,
    LIST_SPLIT,
    TRUE_WORDS,
    CellProblem,
    CellWarning,
    cell_text,
    normalize_key,
)
from tracker.imports.engine.header import _languages
from tracker.imports.values import (
    AmountProblem,
    header_unit,
    parse_amount,
    quantize,
    split_documents,
    split_names,
)

if TYPE_CHECKING:  # pragma: no cover
    from tracker.imports.engine.columns import Column, ImportContext
    from tracker.models import Department, Jurisdiction


# --- value parsers -----------------------------------------------------------------------


def parse_text(value: Any, col: Column, ctx: ImportContext, max_length: int | None) -> str:
    text = cell_text(value)
    if max_length and len(text) > max_length:
        raise CellProblem(
            _("内容过长：%(n)d 个字，最多 %(max)d 个字。") % {"n": len(text), "max": max_length}
        )
    return text


def parse_date(value: Any, col: Column = None, ctx: Any = None, max_length: Any = None):
    """2026-11-30, 2026/11/30, 2026.11.30, 2026年11月30日, 20261130, or an Excel serial date."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool):
        return _excel_serial(float(value), value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = DATE_RE.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return _make_date(year, month, day, text)
    if re.fullmatch(r"\d{8}", text):
        return _make_date(int(text[:4]), int(text[4:6]), int(text[6:]), text)
    if re.fullmatch(r"\d{1,6}(\.\d+)?", text):
        return _excel_serial(float(text), text)
    raise CellProblem(
        _("无法识别的日期“%(v)s”：请写成 2026-11-30、2026/11/30、2026.11.30 或 2026年11月30日。")
        % {"v": text}
    )


def _make_date(year: int, month: int, day: int, text: str) -> datetime.date:
    try:
        result = datetime.date(year, month, day)
    except ValueError:
        raise CellProblem(_("日期“%(v)s”不存在。") % {"v": text})
    if not 1949 <= result.year <= 2100:
        raise CellProblem(_("日期“%(v)s”的年份不合理。") % {"v": text})
    return result


def _excel_serial(number: float, shown: Any) -> datetime.date:
    # Excel's 1900 date system (serial 1 = 1900-01-01, with its fictitious 1900-02-29).
    if not 18264 <= number <= 73051:  # 1950-01-01 .. 2099-12-31
        raise CellProblem(_("无法识别的日期“%(v)s”。") % {"v": cell_text(shown)})
    return EXCEL_EPOCH + datetime.timedelta(days=int(number))


def parse_bool(value: Any, col: Column, ctx: ImportContext, max_length: Any = None) -> bool:
    if isinstance(value, bool):
        return value
    text = normalize_key(cell_text(value))
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellProblem(_("请填写“是”或“否”，而不是“%(v)s”。") % {"v": cell_text(value)})


def column_unit(col: Column, ctx: ImportContext | None) -> str:
    """The unit of a money column: as the file's header names it, else the canonical header."""
    written = ctx.header(col.key) if ctx is not None else ""
    return header_unit(written) or header_unit(str(col.header)) or "元"


def parse_amount_cell(value: Any, col: Column, ctx: ImportContext, max_length: Any = None):
    """'12万元', '0.5-3元/平方米', '不超过3', '3%' -> values.Amount in the column's unit."""
    try:
        return parse_amount(value, base_unit=column_unit(col, ctx))
    except AmountProblem as exc:
        raise CellProblem(str(exc))


def parse_decimal(value: Any, col: Column, ctx: ImportContext, max_length: Any = None):
    """One amount in the column's unit: '12万元' in a 元 column is 120000, '12' is 12."""
    amount = parse_amount_cell(value, col, ctx)
    if amount.exact is None or "/" in amount.unit or amount.unit in ("%", "‰"):
        raise CellProblem(
            _("“%(v)s”：此列需要一个确定的金额（%(unit)s），不是范围、比例或单价。")
            % {"v": cell_text(value), "unit": column_unit(col, ctx)}
        )
    return quantize(amount.exact)


def _choice_index(col: Column, choices: Sequence[tuple[str, Any]], ctx: ImportContext) -> dict:
    """Normalised label, value and alias -> value; built once per import and column."""
    key = ("choices", col.key)
    index = ctx.cache.get(key)
    if index is None:
        index = {}
        for language in _languages():
            with translation.override(language):
                for choice, label in choices:
                    index.setdefault(normalize_key(choice), choice)
                    index.setdefault(normalize_key(str(label)), choice)
        for alias, choice in col.choice_aliases.items():
            index[normalize_key(alias)] = choice
        ctx.cache[key] = index
    return index


def parse_choice(value: Any, col: Column, ctx: ImportContext, max_length: Any = None) -> str:
    wanted = normalize_key(cell_text(value))
    index = _choice_index(col, col.choices, ctx)
    if wanted in index:
        return index[wanted]
    raise CellProblem(
        _("“%(v)s”不是可选值。可选：%(choices)s。")
        % {"v": cell_text(value), "choices": "、".join(str(label) for _c, label in col.choices)}
    )


def parse_disposition(value: Any, col: Column, ctx: ImportContext, max_length: Any = None) -> str:
    wanted = normalize_key(cell_text(value))
    index = _choice_index(col, ctx.kind.dispositions, ctx)
    if wanted in index:
        return index[wanted]
    raise CellProblem(
        _("处理决定“%(v)s”不适用于%(kind)s。可选：%(choices)s。")
        % {
            "v": cell_text(value),
            "kind": ctx.kind.label,
            "choices": "、".join(str(label) for _c, label in ctx.kind.dispositions),
        }
    )


CREDIT_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")


MULTI_SPLIT = re.compile(r"[、；;，,/\r\n]+|\s{2,}")


def parse_choices(value: Any, col: Column, ctx: ImportContext, max_length: Any = None) -> list:
    """Several choices in one cell ('董事、监事'): a list of values, in order, without repeats."""
    return list(
        dict.fromkeys(
            parse_choice(part, col, ctx)
            for part in MULTI_SPLIT.split(cell_text(value))
            if part.strip()
        )
    )


def parse_dispositions(value: Any, col: Column, ctx: ImportContext, max_length: Any = None) -> list:
    """Several dispositions in one cell ('辞去企业职务、退还报酬'): a list, the main one first."""
    return list(
        dict.fromkeys(
            parse_disposition(part, col, ctx)
            for part in MULTI_SPLIT.split(cell_text(value))
            if part.strip()
        )
    )


def parse_credit_code(value: Any, col: Column, ctx: ImportContext, max_length: Any = None) -> str:
    """An 18-character code; one failing only its check character is a warning (DOMAIN.md §5)."""
    code = re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(value))).upper()
    problems = credit_code_problems(code)
    if problems and CREDIT_SHAPE.match(code):
        raise CellWarning(
            _("%(p)s早期代码可能不符合校验规则：核实后由管理员填写说明确认。")
            % {"p": "；".join(problems)},
            code="credit_checksum",
            value=code,
        )
    if problems:
        raise CellProblem("；".join(problems))
    return code


def parse_registration_number(
    value: Any, col: Column, ctx: ImportContext, max_length: Any = None
) -> str:
    """A legacy 15-digit business registration number (注册号): kept with a warning."""
    number = re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(value)))
    if not re.fullmatch(r"\d{15}", number):
        raise CellProblem(_("注册号应为 15 位数字，当前为“%(v)s”。") % {"v": number[:30]})
    raise CellWarning(
        _("15 位注册号“%(v)s”是旧版工商注册号：请核实，并尽量补充统一社会信用代码。")
        % {"v": number},
        code="reg_no_15",
        value=number,
    )


def split_list(value: Any) -> list[str]:
    """Several entries in one cell, separated by 、 ； ; or line breaks."""
    return [part.strip() for part in LIST_SPLIT.split(cell_text(value)) if part.strip()]


def parse_basis(value: Any, col: Column, ctx: ImportContext, max_length: Any = None) -> str:
    """Several legal-basis documents in one cell become one per line (never split inside one)."""
    return "\n".join(split_documents(cell_text(value)))


def parse_names(value: Any, col: Column, ctx: ImportContext, max_length: Any = None) -> list[str]:
    """Several names in one cell where the cell is a list; a name containing 、 stays whole."""
    names = split_names(cell_text(value))
    limit = max_length or 200
    for name in names:
        if len(name) > limit:
            raise CellProblem(
                _("“%(v)s”过长：最多 %(max)d 个字。") % {"v": name[:30], "max": limit}
            )
    return names


def parse_department(value: Any, col: Column, ctx: ImportContext, max_length: Any = None):
    return ctx.departments.find(cell_text(value))


PARSERS = {
    "text": parse_text,
    "date": parse_date,
    "bool": parse_bool,
    "decimal": parse_decimal,
    "amount": parse_amount_cell,
    "choice": parse_choice,
    "disposition": parse_disposition,
    "choices": parse_choices,
    "dispositions": parse_dispositions,
    "credit_code": parse_credit_code,
    "registration_number": parse_registration_number,
    "basis": parse_basis,
    "names": parse_names,
    "department": parse_department,
}


class DepartmentIndex:
    """Departments of one jurisdiction by name and by short name (normalised)."""

    def __init__(self, jurisdiction: Jurisdiction, departments: Iterable[Department] | None = None):
        from tracker.models import Department

        self.jurisdiction = jurisdiction
        rows = (
            list(departments)
            if departments is not None
            else list(Department.objects.filter(jurisdiction=jurisdiction))
        )
        self.by_name: dict[str, Department] = {}
        self.by_short: dict[str, list[Department]] = {}
        for dept in rows:
            self.by_name[normalize_key(dept.name)] = dept
            if dept.short_name:
                self.by_short.setdefault(normalize_key(dept.short_name), []).append(dept)
            if dept.code:
                self.by_short.setdefault(normalize_key(dept.code), []).append(dept)

    def find(self, text: str) -> Department:
        key = normalize_key(text)
        if key in self.by_name:
            return self.by_name[key]
        matches = self.by_short.get(key, [])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise CellProblem(
                _("简称“%(v)s”对应多个部门（%(names)s），请填写部门全称。")
                % {"v": text, "names": "、".join(d.name for d in matches)}
            )
        raise CellProblem(
            _("%(j)s没有名为“%(v)s”的部门（按全称或简称查找）。")
            % {"j": self.jurisdiction.name, "v": text}
        )
