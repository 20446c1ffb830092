"""Department names as lists write them: full names, short names, aliases, prefixes.

``DepartmentResolver.resolve(text)`` answers the department and why it was chosen (exact, alias,
unique prefix…), or raises ``NameProblem`` with the closest candidates, which the preview offers
to choose from. Aliases are rows of ``DepartmentAlias`` (admin-editable, seeded with the common
short forms by migration ``tracker.0009``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from tracker.imports.engine import CellProblem, normalize_key

if TYPE_CHECKING:  # pragma: no cover
    from tracker.models import Department, Jurisdiction

# Common short forms -> the full-name fragment they stand for (seeded as DepartmentAlias rows).
COMMON_SHORT_FORMS = [
    ("发改委", "发展和改革委员会"),
    ("发展改革委", "发展和改革委员会"),
    ("发改局", "发展和改革局"),
    ("住建局", "住房和城乡建设局"),
    ("住房城乡建设局", "住房和城乡建设局"),
    ("住建委", "住房和城乡建设委员会"),
    ("住房城乡建设委", "住房和城乡建设委员会"),
    ("自然资源局", "自然资源和规划局"),
    ("资规局", "自然资源和规划局"),
    ("国土局", "自然资源和规划局"),
    ("交通局", "交通运输局"),
    ("市场监管局", "市场监督管理局"),
    ("工商局", "市场监督管理局"),
    ("环保局", "生态环境局"),
    ("生态环境分局", "生态环境局"),
    ("人社局", "人力资源和社会保障局"),
    ("人力社保局", "人力资源和社会保障局"),
    ("卫健委", "卫生健康委员会"),
    ("卫健局", "卫生健康局"),
    ("农业局", "农业农村局"),
    ("农业农村委", "农业农村委员会"),
    ("文旅局", "文化和旅游局"),
    ("文广旅体局", "文化广电旅游体育局"),
    ("应急局", "应急管理局"),
    ("安监局", "应急管理局"),
    ("城管局", "城市管理局"),
    ("综合执法局", "综合行政执法局"),
    ("行政审批局", "行政审批服务局"),
    ("审批局", "行政审批服务局"),
    ("医保局", "医疗保障局"),
    ("退役军人局", "退役军人事务局"),
    ("科技局", "科学技术局"),
    ("工信局", "工业和信息化局"),
    ("经信局", "经济和信息化局"),
    ("经信委", "经济和信息化委员会"),
    ("人防办", "人民防空办公室"),
    ("国资委", "国有资产监督管理委员会"),
    ("民宗局", "民族宗教事务局"),
    ("组织部", "委组织部"),
]
GENERIC_PREFIXES = ("中共", "市委", "区委", "县委", "省委", "市", "区", "县", "省")
LEVEL_SUFFIXES = ("自治县", "自治州", "省", "市", "区", "县", "旗")


class NameProblem(CellProblem):
    """A name that matches no department, or several: the message and the closest candidates."""

    def __init__(self, message: str, *, text: str, candidates: list[Department]):
        super().__init__(message)
        self.text = text
        self.candidates = candidates


@dataclass(frozen=True)
class Resolution:
    department: Department
    how: str  # exact | short | alias | common | prefix | choice
    why: str

    def describe(self) -> str:
        return f"{self.department.name}（{self.why}）"


@dataclass
class _Forms:
    core: str
    canonical: str
    common: list[str] = field(default_factory=list)  # the short forms expanded


class DepartmentResolver:
    """Departments of one jurisdiction, found by name, short name, alias or unique prefix."""

    def __init__(
        self,
        jurisdiction: Jurisdiction,
        departments: Iterable[Department] | None = None,
        *,
        aliases: Iterable | None = None,
        choices: dict[str, int] | None = None,
    ):
        from tracker.models import Department

        self.jurisdiction = jurisdiction
        self.departments = (
            list(departments)
            if departments is not None
            else list(Department.objects.filter(jurisdiction=jurisdiction).order_by("name"))
        )
        self._load_aliases(aliases)
        self.prefixes = self._place_prefixes()
        self._index_departments()  # after the aliases and prefixes: a name's forms use both
        self.choices = {normalize_key(k): v for k, v in (choices or {}).items()}
        self._cache: dict[str, Resolution | NameProblem] = {}

    def _load_aliases(self, aliases: Iterable | None) -> None:
        """The aliases (by default those of this jurisdiction, its ancestors and everywhere):
        one department's aliases by key, and the common short forms with their pattern."""
        from tracker.models import DepartmentAlias

        jurisdiction = self.jurisdiction
        if aliases is None:
            ancestors = [c for c in (jurisdiction.path or "").strip("/").split("/") if c]
            aliases = DepartmentAlias.objects.filter(
                jurisdiction__isnull=True
            ) | DepartmentAlias.objects.filter(
                jurisdiction__code__in=ancestors or [jurisdiction.code]
            )
            aliases = list(aliases.select_related("department__jurisdiction"))
        self.common: dict[str, str] = {}
        self.specific: dict[str, list] = {}
        for alias in aliases:
            key = normalize_key(alias.alias)
            if alias.department_id:
                self.specific.setdefault(key, []).append(alias)
            elif alias.full_form:
                self.common[alias.alias.strip()] = alias.full_form.strip()
        self._common_re = (
            re.compile("|".join(re.escape(a) for a in sorted(self.common, key=len, reverse=True)))
            if self.common
            else None
        )

    def _place_prefixes(self) -> list[str]:
        """Place-name prefixes a department name may carry (the jurisdiction, its ancestors,
        with and without their level suffix, and the generic ones), longest first."""
        from tracker.models import Jurisdiction

        jurisdiction = self.jurisdiction
        names = [jurisdiction.name]
        codes = [c for c in (jurisdiction.path or "").strip("/").split("/") if c]
        parents = {j.code: j.name for j in Jurisdiction.objects.filter(code__in=codes)}
        chain = [parents[c] for c in codes if c in parents]
        if chain:
            names += ["".join(chain[i:]) for i in range(len(chain))] + chain
        for name in list(names):
            for suffix in LEVEL_SUFFIXES:
                if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                    names.append(name[: -len(suffix)])
        return sorted(
            {normalize_key(n) for n in names if n} | set(GENERIC_PREFIXES), key=len, reverse=True
        )

    def _index_departments(self) -> None:
        """The departments by id, full name, short name or code, and by each form of a name."""
        self.by_id = {d.pk: d for d in self.departments}
        self.by_name = {normalize_key(d.name): d for d in self.departments}
        self.by_short: dict[str, list[Department]] = {}
        self.by_form: dict[str, set[int]] = {}
        self.forms: dict[int, list[str]] = {}
        for dept in self.departments:
            for value in (dept.short_name, dept.code):
                if value:
                    self.by_short.setdefault(normalize_key(value), []).append(dept)
            forms = []
            for value in (dept.name, dept.short_name):
                if value:
                    f = self._forms(value)
                    forms += [f.core, f.canonical]
            self.forms[dept.pk] = list(dict.fromkeys(x for x in forms if x))
            for form in self.forms[dept.pk]:
                self.by_form.setdefault(form, set()).add(dept.pk)

    # --- forms of a name -----------------------------------------------------------------

    def _strip(self, key: str) -> str:
        changed = True
        while changed:
            changed = False
            for prefix in self.prefixes:
                if key.startswith(prefix) and len(key) - len(prefix) >= 2:
                    key = key[len(prefix) :]
                    changed = True
                    break
        return key

    def _forms(self, text: str) -> _Forms:
        key = normalize_key(text)
        core = self._strip(key)
        used: list[str] = []
        canonical = core
        if self._common_re is not None:

            def expand(match: re.Match) -> str:
                used.append(match.group(0))
                return self.common[match.group(0)]

            # Short forms are expanded before the place prefix is taken off: "市场监管局" must
            # not first lose its "市" as if it were the city's.
            canonical = self._strip(normalize_key(self._common_re.sub(expand, key)))
        return _Forms(core, canonical, used)

    # --- resolving -------------------------------------------------------------------------

    def find(self, text: str) -> Department:
        return self.resolve(text).department

    def resolve(self, text: str) -> Resolution:
        key = normalize_key(text)
        found = self._cache.get(key)
        if found is None:
            try:
                found = self._resolve(text, key)
            except NameProblem as problem:
                found = problem
            self._cache[key] = found
        if isinstance(found, NameProblem):
            raise found
        return found

    def _resolve(self, text: str, key: str) -> Resolution:
        found = self._resolve_listed(text, key) or self._resolve_by_form(text)
        if found is None:
            raise self._not_found(text)
        return found

    def _resolve_listed(self, text: str, key: str) -> Resolution | None:
        """A full name, a choice made in the preview, an alias or a short name or code."""
        if key in self.by_name:
            return Resolution(self.by_name[key], "exact", _("全称一致"))
        if key in self.choices and self.choices[key] in self.by_id:
            return Resolution(self.by_id[self.choices[key]], "choice", _("预览中选定"))
        for alias in self.specific.get(key, []):
            dept = alias.department
            if dept.jurisdiction_id != self.jurisdiction.pk:
                raise NameProblem(
                    _(
                        "别名“%(a)s”指向%(j)s的部门“%(d)s”，不属于%(here)s："
                        "请在系统管理中修改该别名，或填写本级部门的全称。"
                    )
                    % {
                        "a": alias.alias,
                        "j": dept.jurisdiction.name,
                        "d": dept.name,
                        "here": self.jurisdiction.name,
                    },
                    text=text,
                    candidates=self._closest(text),
                )
            return Resolution(dept, "alias", _("别名“%(a)s”") % {"a": alias.alias})
        shorts = self.by_short.get(key, [])
        if len(shorts) == 1:
            return Resolution(shorts[0], "short", _("简称“%(s)s”") % {"s": text})
        if len(shorts) > 1:
            raise self._ambiguous(text, shorts)
        return None

    def _resolve_by_form(self, text: str) -> Resolution | None:
        """The name without its place prefix (and with short forms expanded), or a unique prefix."""
        forms = self._forms(text)
        matched = self.by_form.get(forms.core, set()) | self.by_form.get(forms.canonical, set())
        if len(matched) == 1:
            dept = self.by_id[next(iter(matched))]
            if forms.common and forms.canonical in self.forms[dept.pk]:
                why = _("常用简称：%(pairs)s") % {
                    "pairs": "、".join(f"{a}＝{self.common[a]}" for a in forms.common)
                }
            else:
                why = _("去掉行政区划前缀后一致")
            return Resolution(dept, "common", why)
        if len(matched) > 1:
            raise self._ambiguous(text, [self.by_id[pk] for pk in sorted(matched)])
        if len(forms.core) >= 2:
            starts = {
                pk
                for pk, dept_forms in self.forms.items()
                for form in dept_forms
                if form.startswith(forms.core) or form.startswith(forms.canonical)
            }
            if len(starts) == 1:
                dept = self.by_id[next(iter(starts))]
                return Resolution(dept, "prefix", _("唯一前缀“%(p)s”") % {"p": forms.core})
            if len(starts) > 1:
                raise self._ambiguous(text, [self.by_id[pk] for pk in sorted(starts)])
        return None

    def _not_found(self, text: str) -> NameProblem:
        candidates = self._closest(text)
        hint = (
            _("最接近的：%(names)s。") % {"names": "、".join(d.name for d in candidates)}
            if candidates
            else ""
        )
        return NameProblem(
            _("%(j)s没有名为“%(v)s”的部门（按全称、简称、别名查找）。%(hint)s可在预览中选择部门。")
            % {"j": self.jurisdiction.name, "v": text, "hint": hint},
            text=text,
            candidates=candidates,
        )

    def _ambiguous(self, text: str, departments: list[Department]) -> NameProblem:
        return NameProblem(
            _("“%(v)s”对应多个部门（%(names)s），请填写部门全称，或在预览中选择。")
            % {"v": text, "names": "、".join(d.name for d in departments)},
            text=text,
            candidates=departments,
        )

    def _closest(self, text: str, n: int = 3) -> list[Department]:
        forms = self._forms(text)
        scored = []
        for dept in self.departments:
            score = max(
                difflib.SequenceMatcher(None, mine, theirs).ratio()
                for mine in (forms.core, forms.canonical)
                for theirs in self.forms[dept.pk] or [normalize_key(dept.name)]
            )
            if score >= 0.3:
                scored.append((-score, dept.name, dept))
        return [dept for _s, _n, dept in sorted(scored, key=lambda t: (t[0], t[1]))[:n]]
