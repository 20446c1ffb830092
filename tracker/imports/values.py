"""Cell values as offices write them: amounts with units and ranges, lists that are lists.

Pure functions, no database. ``tracker.imports.engine`` calls them from its cell parsers.
"""

from __future__ import annotations

import decimal
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

# --- amounts -----------------------------------------------------------------------------

MULTIPLIERS = {"": 1, "元": 1, "千元": 1000, "万元": 10000, "亿元": 100000000, "万": 10000}
MULTIPLIERS["亿"] = 100000000
MULTIPLIERS["千"] = 1000
# Per-quantity units written after the amount (元/件) or before it (每件80元).
PER_UNITS = (
    "件",
    "平方米",
    "m2",
    "㎡",
    "吨",
    "次",
    "人",
    "人次",
    "年",
    "月",
    "宗",
    "户",
    "本",
    "证",
    "项",
    "份",
    "台",
    "辆",
    "亩",
    "公里",
    "千米",
    "立方米",
    "m3",
    "张",
    "个",
    "批",
    "宗地",
    "套",
)
VAGUE_WORDS = ("约", "大约", "左右", "上下", "大概", "若干", "估计", "预计", "待定", "不详", "面议")
NUMBER = r"(\d+(?:\.\d+)?)"
SCALE = r"(亿元|万元|千元|亿|万|千|元)?"
UNIT_TAIL = r"(?:/|每)?\s*(" + "|".join(sorted(PER_UNITS, key=len, reverse=True)) + r")?"
_UPPER = ("不超过", "不高于", "最高", "最高不超过", "上限", "不大于", "小于等于", "≤", "<=")
_LOWER = ("不低于", "不少于", "最低", "下限", "不小于", "大于等于", "≥", ">=")


@dataclass(frozen=True)
class Amount:
    """An amount read from a cell: a value or a range, in 元 (or %), per unit where given."""

    low: decimal.Decimal | None
    high: decimal.Decimal | None
    unit: str  # "元", "元/件", "元/平方米", "%", "‰"

    @property
    def exact(self) -> decimal.Decimal | None:
        return self.low if self.low is not None and self.low == self.high else None

    def describe(self) -> str:
        def fmt(v: decimal.Decimal) -> str:
            return format(v.normalize(), "f") if v == v.to_integral() else format(v, "f")

        if self.exact is not None:
            return f"{fmt(self.exact)} {self.unit}"
        if self.low is not None and self.high is not None:
            return f"{fmt(self.low)}–{fmt(self.high)} {self.unit}"
        if self.high is not None:
            return _("不超过 %(v)s") % {"v": f"{fmt(self.high)} {self.unit}"}
        return _("不低于 %(v)s") % {"v": f"{fmt(self.low)} {self.unit}"}


class AmountProblem(ValueError):
    """The text is not an amount we can store; the message says why, in Chinese."""


def halfwidth(text: str) -> str:
    """Full-width digits, letters and punctuation to half-width; 〜 ～ 至 到 as a range dash."""
    text = unicodedata.normalize("NFKC", str(text))
    return text.replace("〜", "~").replace("－", "-").replace("—", "-").replace("–", "-")


def _number(text: str, scale: str, shown: str) -> decimal.Decimal:
    try:
        value = decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise AmountProblem(_("“%(v)s”不是数字。") % {"v": shown})
    return value * MULTIPLIERS.get(scale or "", 1)


def parse_amount(value, *, base_unit: str = "元") -> Amount:
    """'12万元', '80元/件', '每件80元', '0.5-3元/平方米', '0.5～3', '不超过3', '3%' -> Amount.

    ``base_unit`` is the column's unit ('元' or '万元', from the header): a bare number is in it,
    and the result is converted back into it (a '万元' column stores 12 for '12万元').
    """
    if isinstance(value, bool):
        raise AmountProblem(_("“%(v)s”不是数字。") % {"v": value})
    if isinstance(value, (int, float, decimal.Decimal)):
        return _numeric_amount(value, base_unit)
    shown = str(value).strip()
    per, bound, text = _amount_words(_amount_text(shown))
    match = re.match(_AMOUNT_PATTERN, text)
    if not match:
        raise AmountProblem(
            _("无法识别的金额“%(v)s”：请写成 80、80元/件、12万元、0.5-3（元/平方米）或 不超过3。")
            % {"v": shown}
        )
    low, high, unit = _amount_range(match, per=per, base_unit=base_unit, shown=shown)
    if high < low:
        raise AmountProblem(_("范围“%(v)s”的上限小于下限。") % {"v": shown})
    if bound == "upper":
        low = None if low == high else low
    elif bound == "lower":
        high = None if low == high else high
    return Amount(low, high, unit)


_AMOUNT_PATTERN = rf"^{NUMBER}{SCALE}(?:(?:-|~|至|到){NUMBER}{SCALE})?(%|‰|元)?{UNIT_TAIL}$"


def _numeric_amount(value: int | float | decimal.Decimal, base_unit: str) -> Amount:
    """A number cell: the amount itself, in the column's unit."""
    number = decimal.Decimal(str(value))
    if not number.is_finite():
        raise AmountProblem(_("“%(v)s”不是有效的金额。") % {"v": value})
    if number < 0:
        raise AmountProblem(_("金额不能为负数：“%(v)s”。") % {"v": value})
    return Amount(number, number, base_unit)


def _amount_text(shown: str) -> str:
    """The cell text without spaces, thousands separators and currency words; refused when it
    is vague (约, 左右, 面议…) or negative."""
    text = re.sub(r"[\s,，]", "", halfwidth(shown))
    text = text.replace("人民币", "").replace("¥", "").replace("￥", "")
    if any(word in text for word in VAGUE_WORDS):
        raise AmountProblem(
            _("“%(v)s”不是确定的金额：请填写确定的数字或范围（如 30000、3万元、0.5-3）。")
            % {"v": shown}
        )
    if text.startswith("-") or text.startswith("负"):
        raise AmountProblem(_("金额不能为负数：“%(v)s”。") % {"v": shown})
    return text


def _amount_words(text: str) -> tuple[str, str, str]:
    """A leading per-quantity unit (每件) and a bound word (不超过, 以上…) taken off the text:
    (per unit, "upper" / "lower" / "", the rest)."""
    per = ""
    lead = re.match(r"^每(" + "|".join(sorted(PER_UNITS, key=len, reverse=True)) + ")", text)
    if lead:
        per, text = lead.group(1), text[lead.end() :]
    bound = ""
    for word in _UPPER:
        if text.startswith(word):
            bound, text = "upper", text[len(word) :]
            break
    else:
        for word in _LOWER:
            if text.startswith(word):
                bound, text = "lower", text[len(word) :]
                break
    if text.endswith(("以下", "以内")):
        bound, text = "upper", text[:-2]
    elif text.endswith("以上"):
        bound, text = "lower", text[:-2]
    return per, bound, text


def _amount_range(
    match: re.Match, *, per: str, base_unit: str, shown: str
) -> tuple[decimal.Decimal, decimal.Decimal, str]:
    """The low and high ends of a matched amount, in the column's unit (or %), and the unit."""
    low_text, low_scale, high_text, high_scale, percent, tail_per = match.groups()
    per = per or tail_per or ""
    if percent in ("%", "‰"):
        low = decimal.Decimal(low_text)
        high = decimal.Decimal(high_text) if high_text else low
        return low, high, percent
    base = MULTIPLIERS.get(base_unit, 1)

    # '0.5-3万元': a scale written once applies to both ends; a bare number is in the column's unit.
    def in_base(number: str, scale: str | None) -> decimal.Decimal:
        factor = MULTIPLIERS[scale] if scale else base
        return _number(number, "", shown) * factor / base

    shared = high_scale or low_scale
    low = in_base(low_text, low_scale or (shared if high_text else None))
    high = in_base(high_text, high_scale or shared) if high_text else low
    return low, high, f"{base_unit}/{per}" if per else base_unit


def quantize(value: decimal.Decimal | None, places: str = "0.01") -> decimal.Decimal | None:
    if value is None:
        return None
    return value.quantize(decimal.Decimal(places), rounding=decimal.ROUND_HALF_UP)


def header_unit(header: str) -> str:
    """The unit a column header names: '金额（万元）' -> '万元'; '' when it names none."""
    text = halfwidth(header or "")
    for unit in ("亿元", "万元", "千元", "元"):
        if re.search(rf"[(\[【]\s*{unit}", text) or text.endswith(unit) or f"单位:{unit}" in text:
            return unit
    return ""


# --- lists -------------------------------------------------------------------------------

OPEN, CLOSE = "《“‘「『（(〔[【", "》”’」』）)〕]】"
PAIRS = dict(zip(OPEN, CLOSE, strict=True))
DOC_NUMBER = re.compile(r"[〔\[(（]\s*(?:19|20)\d{2}\s*[〕\])）]\s*\d+\s*号")
NUMBERED = re.compile(r"(?:^|(?<=[\s；;。，,]))(?:\d{1,2}[.、．)）]|[(（]\d{1,2}[)）]|[①-⑳])")
APPROVAL_WORDS = (
    "审批",
    "许可",
    "核准",
    "备案",
    "认定",
    "审核",
    "登记",
    "验收",
    "确认",
    "批准",
    "审查",
    "核发",
    "审定",
    "证明",
    "评审",
)


def _top_level_split(text: str, separators: str) -> list[str]:
    """Split at separators that are outside 《》, quotes and brackets."""
    parts, depth, current = [], [], []
    for ch in text:
        if ch in PAIRS and not (ch in "“‘" and depth and PAIRS.get(depth[-1]) == ch):
            depth.append(ch)
        elif depth and ch == PAIRS[depth[-1]]:
            depth.pop()
        elif ch in "”’" and depth and depth[-1] in "“‘":
            depth.pop()
        elif ch in separators and not depth:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def is_document(part: str) -> bool:
    """A legal-basis document: a 《title》 (with its articles) or a document number 〔2015〕31号."""
    part = part.strip()
    return part.startswith("《") or bool(DOC_NUMBER.search(part))


def _join_unless(parts: list[str], starts_new) -> list[str]:
    """Re-join parts split at 、 unless the part after the 、 starts a new entry."""
    result: list[str] = []
    for part in parts:
        if result and not starts_new(result[-1], part):
            result[-1] = f"{result[-1]}、{part}"
        else:
            result.append(part)
    return result


def _numbered(text: str) -> list[str] | None:
    """'1.甲 2.乙' / '(1)甲(2)乙' / '①甲②乙' -> ['甲', '乙']; None when not numbered twice."""
    marks = list(NUMBERED.finditer(text))
    if len(marks) < 2 or marks[0].start() != 0:
        return None
    pieces = []
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        pieces.append(text[mark.end() : end].strip(" ；;，,。"))
    return [p for p in pieces if p]


def split_documents(value) -> list[str]:
    """Legal-basis documents: lines, semicolons, numbered clauses; 、 only between documents.

    '《某法》第五条、第六条' stays one document; '《甲法》、国办发〔2015〕31号' is two.
    """
    result: list[str] = []
    for line in _top_level_split(str(value or ""), "\r\n；;"):
        line = line.strip()
        if not line:
            continue
        numbered = _numbered(line)
        chunks = numbered if numbered else [line]
        for chunk in chunks:
            parts = _top_level_split(chunk, "、")
            result.extend(
                p.strip()
                for p in _join_unless(parts, lambda _before, after: is_document(after))
                if p.strip()
            )
    return result


def split_names(value) -> list[str]:
    """Approval-item names: lines, semicolons, numbered clauses; 、 only between whole names.

    '建设项目环境影响报告书、报告表审批' stays one item ('报告书' is not an approval);
    '施工许可、竣工验收备案' is two.
    """

    def whole(before: str, after: str) -> bool:
        return before.strip().endswith(APPROVAL_WORDS) and len(after.strip()) >= 4

    result: list[str] = []
    for line in _top_level_split(str(value or ""), "\r\n；;"):
        line = line.strip()
        if not line:
            continue
        numbered = _numbered(line)
        for chunk in numbered if numbered else [line]:
            parts = _top_level_split(chunk, "、")
            joined = _join_unless(parts, whole)
            if len(joined) > 1 and not all(p.strip().endswith(APPROVAL_WORDS) for p in joined):
                joined = ["、".join(parts)]
            result.extend(p.strip() for p in joined if p.strip())
    return result
