"""Public catalogues (目录清单) as offices publish them, per jurisdiction.

- 行政审批中介服务事项清单: retained items, with the items an applicant may do himself (marked)
  in the same list, and the items changed into services the approving department commissions
  (and pays for) in their own list.
- One fee catalogue per category (DOMAIN.md §7: "catalogues list everything still collectable,
  one catalogue per category"): 行政事业性收费目录清单, 政府性基金目录清单 and
  经营服务性收费目录清单 (government-priced service charges and government-priced intermediary
  service charges). Each lists every fee still collectable: 保留, 降低标准 (the new standard),
  免征 (marked, with the exempt group) and 停征 (marked, with the period where known);
  cancelled, transferred-out and market-priced fees are gone and do not appear.

The public reads only published editions: frozen JSON snapshots, each with the entries added
and removed since the previous edition of the same catalogue. A case appears only once it is
decided (or later) with a disposition its catalogue lists; nothing undecided is ever published.
The effective date is the edition's, never a case's decision date. Editions of the single fee
catalogue published before the split (kind "fee") and item editions published before the lists
(entries without a "list" key) still render with the columns they were published with.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracker.audit.witness import Source, witness_head
from tracker.cases import workflow
from tracker.cases.registry import get_kind
from tracker.cases.scoping import jurisdictions_for, user_role
from tracker.cases.selectors import display_value
from tracker.cases.workflow import Role
from tracker.models import Case, CatalogueEdition, Jurisdiction, Milestone, User

# Decided or later; never registered, under review or withdrawn.
PUBLISHABLE = workflow.DECIDED_STATUSES

# The fee kind's milestone 停止收费: for a suspended fee, the day collection actually stopped.
STOPPED_MILESTONE = "stopped"

Value = str | list[str]


@dataclass(frozen=True)
class CatalogueColumn:
    """One column: its key in the snapshot, its header, and how a case fills it (None for the
    columns of layouts that are only rendered, never published any more)."""

    key: str
    header: Any
    value: Callable[[Case, Any], Value] | None = None


@dataclass(frozen=True)
class CatalogueList:
    """One list (section) of a catalogue: the dispositions it holds and its columns."""

    key: str  # stored in each entry as "list"
    title: Any  # the section heading; "" for a catalogue with a single list
    dispositions: tuple[str, ...]
    columns: tuple[CatalogueColumn, ...]


@dataclass(frozen=True)
class CatalogueSpec:
    """One public catalogue: which case kind, which subjects, which lists."""

    key: str  # CatalogueEdition.kind (at most 10 characters)
    case_kind: str
    slug: str  # file names
    title: Any
    lists: tuple[CatalogueList, ...]
    category: str = ""  # ?category= of the fee catalogues' page
    subject_filter: dict[str, Any] = field(default_factory=dict)  # on the kind's subject
    prefetch: tuple = ()
    # How editions published before the lists existed render (entries without a "list" key).
    legacy_columns: tuple[CatalogueColumn, ...] = ()
    publishable: bool = True

    @property
    def dispositions(self) -> tuple[str, ...]:
        return tuple(d for lst in self.lists for d in lst.dispositions)


# --- how a case fills a cell -----------------------------------------------------------


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def subject_text(name: str) -> Callable[[Case, Any], Value]:
    return lambda case, subject: _text(display_value(subject, name))


def subject_lines(name: str) -> Callable[[Case, Any], Value]:
    return lambda case, subject: _lines(getattr(subject, name))


def department_name(case: Case, subject: Any) -> str:
    return _text(case.department)


def _amount(value: Decimal, unit: str) -> str:
    """80.00, "元/件" -> "80元/件"; an amount without a unit is in 元."""
    number = f"{value:f}"
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return f"{number}{unit or _('元')}"


def provider_text(case: Case, item: Any) -> str:
    if item.provider:
        return item.provider
    return item.provider_firm.name if item.provider_firm_id else ""


def provider_nature_text(case: Case, item: Any) -> list[str]:
    """机构性质/资质: the provider's nature, then the registered firm's qualifications."""
    lines = [_text(display_value(item, "provider_nature"))]
    if item.provider_firm_id and item.provider_firm.qualifications.strip():
        lines.append(_("资质：%(q)s") % {"q": "；".join(_lines(item.provider_firm.qualifications))})
    return [line for line in lines if line]


def item_fee_text(case: Case, item: Any) -> list[str]:
    """收费依据及标准: the fee's basis and standard, and how it is priced."""
    if item.pricing == "free":
        return [_("不收费")]
    lines = []
    if item.fee_name:
        lines.append(_("收费项目：%(n)s") % {"n": item.fee_name})
    basis = _lines(item.fee_basis)
    if basis:
        lines.append(_("收费依据：%(b)s") % {"b": "；".join(basis)})
    if item.fee_standard:
        lines.append(_("收费标准：%(s)s") % {"s": item.fee_standard})
    if item.pricing:
        lines.append(_text(display_value(item, "pricing")))
    return lines


def item_mark(case: Case) -> str:
    """The marking an item's row carries in its list."""
    return _("申请人可自行完成") if case.disposition == "applicant_choice" else ""


def item_remark(case: Case, item: Any) -> str:
    """备注: what the applicant may do, or who commissions and pays (谁委托、谁付费)."""
    if case.disposition == "applicant_choice":
        return _("申请人可自行完成，也可自主选择中介服务机构；审批部门不得指定机构。")
    if case.disposition == "commission":
        return _("由审批部门委托开展并支付费用，不得要求申请人委托或向申请人收取费用。")
    return ""


def fee_old_standard(fee: Any) -> str:
    if fee.standard:
        return fee.standard
    return _amount(fee.amount, fee.amount_unit) if fee.amount is not None else ""


def fee_new_standard(fee: Any) -> str:
    """降低标准: the standard after the reduction (amount_after), or "" if not given."""
    if fee.amount_after is None:
        return ""
    return _amount(fee.amount_after, fee.amount_unit)


def fee_standard_text(case: Case, fee: Any) -> str:
    """收费标准: what is collected now; a reduced fee shows its new standard."""
    if case.disposition == "reduce":
        return fee_new_standard(fee)
    return fee_old_standard(fee)


def fee_mark(case: Case) -> str:
    """A fee row's marking: the disposition, for every one but 保留."""
    if case.disposition in ("", "keep"):
        return ""
    return get_kind("fee").disposition_label(case.disposition)


def _doc(case: Case) -> str:
    return case.decision_doc_no or ""


def fee_remark(case: Case, fee: Any) -> str:
    """备注: 降低标准 with the old standard, 免征 with its group, 停征 with its period."""
    doc = _doc(case)
    if case.disposition == "reduce":
        old, new = fee_old_standard(fee), fee_new_standard(fee)
        if not new:
            return _("降低标准：新标准未填报，以 %(doc)s 为准") % {"doc": doc or _("处理决定")}
        text = _("降低标准：由 %(old)s 降为 %(new)s") % {"old": old or _("原标准"), "new": new}
        return f"{text}（{doc}）" if doc else text
    if case.disposition == "exempt":
        if fee.payer_scope:
            text = _("免征：免征对象为%(who)s") % {"who": fee.payer_scope}
        else:
            text = _("免征：免征对象见处理决定")
        return f"{text}（{doc}）" if doc else text
    if case.disposition == "suspend":
        stopped = getattr(case, "stopped_milestones", [])
        if stopped and stopped[0].effective_date:
            text = _("停征：自 %(d)s 起暂停征收") % {"d": stopped[0].effective_date.isoformat()}
        else:
            text = _("停征：暂停征收，期间以处理决定为准")
        return f"{text}（{doc}）" if doc else text
    return ""


def case_mark(case: Case) -> str:
    return item_mark(case) if case.kind == "item" else fee_mark(case)


# --- the catalogues ---------------------------------------------------------------------

ITEM_COLUMNS = (
    CatalogueColumn("name", gettext_lazy("中介服务事项名称"), subject_text("name")),
    CatalogueColumn(
        "approval_items", gettext_lazy("涉及的审批事项项目名称"), subject_text("approval_items")
    ),
    CatalogueColumn("department", gettext_lazy("审批部门"), department_name),
    CatalogueColumn("legal_basis", gettext_lazy("设定依据"), subject_lines("legal_basis")),
    CatalogueColumn("provider", gettext_lazy("中介服务实施机构"), provider_text),
    CatalogueColumn("provider_nature", gettext_lazy("机构性质/资质"), provider_nature_text),
    CatalogueColumn("time_limit", gettext_lazy("服务时限"), subject_text("time_limit")),
    CatalogueColumn("fee", gettext_lazy("收费依据及标准"), item_fee_text),
    CatalogueColumn("remark", gettext_lazy("备注"), item_remark),
)


def _fee_columns(*, fund: bool = False, priced: bool = False) -> tuple[CatalogueColumn, ...]:
    name = gettext_lazy("基金名称") if fund else gettext_lazy("收费项目名称")
    columns = [CatalogueColumn("name", name, subject_text("name"))]
    if priced:
        columns.append(
            CatalogueColumn("fee_kind", gettext_lazy("收费类别"), subject_text("fee_kind"))
        )
    columns += [
        CatalogueColumn("department", gettext_lazy("主管部门"), department_name),
        CatalogueColumn(
            "collecting_unit", gettext_lazy("执收单位"), subject_text("collecting_unit")
        ),
        CatalogueColumn(
            "legal_basis",
            gettext_lazy("征收依据") if fund else gettext_lazy("收费依据"),
            subject_lines("legal_basis"),
        ),
        CatalogueColumn(
            "standard",
            gettext_lazy("征收标准") if fund else gettext_lazy("收费标准"),
            fee_standard_text,
        ),
    ]
    if not priced:  # a service charge is the provider's revenue, not the treasury's
        columns.append(
            CatalogueColumn(
                "revenue_handling", gettext_lazy("资金管理方式"), subject_text("revenue_handling")
            )
        )
    columns.append(CatalogueColumn("remark", gettext_lazy("备注"), fee_remark))
    return tuple(columns)


# Every fee still collectable: kept, reduced, exempted for a group, suspended (may return).
# 取消, 转出 and 改为市场调节 end the charge as a catalogued fee (fees.report.FEE_REMOVED).
FEE_COLLECTABLE = ("keep", "reduce", "exempt", "suspend")
FEE_PREFETCH = (
    Prefetch(
        "milestones",
        queryset=Milestone.objects.filter(code=STOPPED_MILESTONE, done=True),
        to_attr="stopped_milestones",
    ),
)


def _fee_catalogue(key, category, slug, title, fee_kinds, **columns) -> CatalogueSpec:
    return CatalogueSpec(
        key=key,
        case_kind="fee",
        slug=slug,
        category=category,
        title=title,
        lists=(CatalogueList("main", "", FEE_COLLECTABLE, _fee_columns(**columns)),),
        subject_filter={"fee_kind__in": fee_kinds},
        prefetch=FEE_PREFETCH,
    )


CATALOGUES: dict[str, CatalogueSpec] = {
    "item": CatalogueSpec(
        key="item",
        case_kind="item",
        slug="intermediaries",
        title=gettext_lazy("行政审批中介服务事项清单"),
        lists=(
            CatalogueList(
                "main",
                gettext_lazy("一、保留的行政审批中介服务事项"),
                ("retain", "applicant_choice"),
                ITEM_COLUMNS,
            ),
            CatalogueList(
                "commission",
                gettext_lazy("二、改为审批部门委托的技术性服务事项"),
                ("commission",),
                ITEM_COLUMNS,
            ),
        ),
        prefetch=("intermediary_item__approval_items",),
        legacy_columns=(
            CatalogueColumn("name", gettext_lazy("中介服务事项名称")),
            CatalogueColumn("approval_items", gettext_lazy("涉及的审批事项项目名称")),
            CatalogueColumn("department", gettext_lazy("审批部门")),
            CatalogueColumn("legal_basis", gettext_lazy("设定依据")),
            CatalogueColumn("provider", gettext_lazy("中介服务实施机构")),
            CatalogueColumn("standard", gettext_lazy("收费标准")),
            # Those editions carried each case's decision date under 生效日期.
            CatalogueColumn("effective_date", gettext_lazy("决定日期")),
        ),
    ),
    # 中介服务收费 under government pricing is a 经营服务性收费 (涉企经营服务性收费目录清单);
    # under market pricing it is disposed of as 改为市场调节 and leaves the catalogues.
    "fee_admin": _fee_catalogue(
        "fee_admin",
        "administrative",
        "fees-administrative",
        gettext_lazy("行政事业性收费目录清单"),
        ("administrative",),
    ),
    "fee_fund": _fee_catalogue(
        "fee_fund",
        "fund",
        "fees-fund",
        gettext_lazy("政府性基金目录清单"),
        ("fund",),
        fund=True,
    ),
    "fee_priced": _fee_catalogue(
        "fee_priced",
        "service",
        "fees-service",
        gettext_lazy("经营服务性收费目录清单"),
        ("gov_priced", "intermediary"),
        priced=True,
    ),
    # The single fee catalogue published before the split: its editions still render.
    "fee": CatalogueSpec(
        key="fee",
        case_kind="fee",
        slug="fees",
        title=gettext_lazy("行政事业性收费和政府性基金目录清单（拆分前）"),
        lists=(),
        publishable=False,
        legacy_columns=(
            CatalogueColumn("name", gettext_lazy("收费项目名称")),
            CatalogueColumn("fee_kind", gettext_lazy("收费类别")),
            CatalogueColumn("department", gettext_lazy("主管部门")),
            CatalogueColumn("collecting_unit", gettext_lazy("执收单位")),
            CatalogueColumn("legal_basis", gettext_lazy("收费依据")),
            CatalogueColumn("standard", gettext_lazy("收费标准")),
            CatalogueColumn("revenue_handling", gettext_lazy("资金管理方式")),
            CatalogueColumn("effective_date", gettext_lazy("决定日期")),
        ),
    ),
}
FEE_CATEGORIES = {s.category: s.key for s in CATALOGUES.values() if s.category}


def spec_for(kind_key: str) -> CatalogueSpec:
    return CATALOGUES[kind_key]


def publishable_specs() -> list[CatalogueSpec]:
    return [s for s in CATALOGUES.values() if s.publishable]


def live_entries(kind_key: str, jurisdiction: Jurisdiction) -> list[dict[str, Any]]:
    """What an edition published now would contain: decided cases whose disposition one of
    the catalogue's lists holds, list by list."""
    spec = spec_for(kind_key)
    kind = get_kind(spec.case_kind)
    subject_name = kind.subject_related_name
    related = [
        "department",
        subject_name,
        *([f"{subject_name}__provider_firm"] if spec.case_kind == "item" else []),
    ]
    qs = (
        Case.objects.filter(
            kind=spec.case_kind,
            jurisdiction=jurisdiction,
            disposition__in=spec.dispositions,
            status__in=PUBLISHABLE,
            **{f"{subject_name}__{k}": v for k, v in spec.subject_filter.items()},
        )
        .select_related(*related)
        .prefetch_related(*spec.prefetch)
        .order_by("department__name", "title", "id")
    )
    cases = list(qs)
    entries = []
    for lst in spec.lists:
        for case in cases:
            if case.disposition not in lst.dispositions:
                continue
            subject = getattr(case, subject_name)
            entry: dict[str, Any] = {
                "key": case.reference,
                "list": lst.key,
                "disposition": case.disposition,
                "mark": case_mark(case),
            }
            for column in lst.columns:
                entry[column.key] = column.value(case, subject)
            entries.append(entry)
    return entries


def is_legacy(entries: list[dict]) -> bool:
    """An edition published before the lists existed (its entries carry no "list")."""
    return any("list" not in e for e in entries)


@dataclass(frozen=True)
class Section:
    """One list of an edition as shown: heading, headers, rows and each row's marking."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[str]]
    marks: list[str]

    @property
    def marked_rows(self) -> list[tuple[list[str], str]]:
        return list(zip(self.rows, self.marks, strict=True))


def sections(spec: CatalogueSpec, entries: list[dict]) -> list[Section]:
    """The edition's lists, in order (screen, PDF and XLSX read the same)."""
    if is_legacy(entries) or not spec.lists:
        layout = [CatalogueList("main", "", (), spec.legacy_columns)]
        grouped = {"main": entries}
    else:
        layout = list(spec.lists)
        grouped = {lst.key: [e for e in entries if e.get("list") == lst.key] for lst in layout}
    out = []
    for lst in layout:
        chosen = grouped[lst.key]
        out.append(
            Section(
                key=lst.key,
                title=str(lst.title),
                headers=[_("序号"), *(str(c.header) for c in lst.columns)],
                rows=_rows(lst.columns, chosen),
                marks=[str(e.get("mark") or "") for e in chosen],
            )
        )
    return out


def _rows(columns: tuple[CatalogueColumn, ...], entries: list[dict]) -> list[list[str]]:
    rows = []
    for index, entry in enumerate(entries, start=1):
        row = [str(index)]
        for column in columns:
            value = entry.get(column.key, "")
            row.append("\n".join(value) if isinstance(value, list) else str(value or ""))
        rows.append(row)
    return rows


def latest_edition(kind_key: str, jurisdiction: Jurisdiction) -> CatalogueEdition | None:
    return (
        CatalogueEdition.objects.filter(kind=kind_key, jurisdiction=jurisdiction)
        .order_by("-number")
        .first()
    )


def entry_label(entry: dict[str, Any]) -> str:
    department = entry.get("department") or ""
    return f"{entry.get('name', '')}（{department}）" if department else str(entry.get("name", ""))


def diff_entries(previous: list[dict], current: list[dict]) -> tuple[list, list, list]:
    """Entries added, removed and changed, by case reference."""
    before = {e["key"]: e for e in previous if "key" in e}
    after = {e["key"]: e for e in current}
    added = [e for k, e in after.items() if k not in before]
    removed = [e for k, e in before.items() if k not in after]
    if is_legacy(previous):  # new columns, not new content: only additions and removals count
        return added, removed, []
    changed = [e for k, e in after.items() if k in before and before[k] != e]
    return added, removed, changed


def change_note(
    added: list, removed: list, changed: list, note: str = "", *, relaid: bool = False
) -> str:
    parts = []
    if added:
        parts.append(
            _("新增 %(n)d 项：%(names)s")
            % {"n": len(added), "names": "、".join(entry_label(e) for e in added)}
        )
    if removed:
        parts.append(
            _("删除 %(n)d 项：%(names)s")
            % {"n": len(removed), "names": "、".join(entry_label(e) for e in removed)}
        )
    if changed:
        parts.append(
            _("内容调整 %(n)d 项：%(names)s")
            % {"n": len(changed), "names": "、".join(entry_label(e) for e in changed)}
        )
    if not parts:
        parts.append(_("与上一版相比无增减。"))
    if relaid:
        parts.append(_("本版起按新版式发布，生效日期为本版生效日期"))
    if note.strip():
        parts.append(note.strip())
    return "；".join(parts) if len(parts) > 1 else parts[0]


def snapshot_sha256(entries: list[dict]) -> str:
    payload = json.dumps(entries, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


@transaction.atomic
def catalogue_publish(
    *,
    kind_key: str,
    jurisdiction: Jurisdiction,
    by: User,
    effective_date: datetime.date,
    title: str = "",
    note: str = "",
) -> CatalogueEdition:
    """Freeze the current catalogue as its next edition; only a reform admin, in scope."""
    if user_role(by) != Role.ADMIN:
        raise PermissionDenied(_("只有改革办管理员可以发布目录。"))
    if not jurisdictions_for(by).filter(pk=jurisdiction.pk).exists():
        raise PermissionDenied(_("该行政区划不在您的管辖范围内。"))
    spec = CATALOGUES.get(kind_key)
    if spec is None:
        raise ValidationError(_("没有这种目录。"))
    if not spec.publishable:
        raise ValidationError(
            _(
                "该目录已按收费类别拆分，不再发布：请发布行政事业性收费、政府性基金或经营服务性收费目录清单。"
            )
        )
    previous = (
        CatalogueEdition.objects.select_for_update()
        .filter(kind=kind_key, jurisdiction=jurisdiction)
        .order_by("-number")
        .first()
    )
    if previous is not None and effective_date < previous.effective_date:
        raise ValidationError(
            _("生效日期不能早于上一版（第 %(n)d 版，%(d)s）。")
            % {"n": previous.number, "d": previous.effective_date}
        )
    entries = live_entries(kind_key, jurisdiction)
    before = previous.entries if previous else []
    added, removed, changed = diff_entries(before, entries)
    number = previous.number + 1 if previous else 1
    if previous:
        text = change_note(added, removed, changed, note, relaid=is_legacy(before))
    else:
        text = _("首次发布，共 %(n)d 项。") % {"n": len(entries)} + (
            "；" + note.strip() if note.strip() else ""
        )
    edition = CatalogueEdition(
        kind=kind_key,
        jurisdiction=jurisdiction,
        number=number,
        title=(title.strip() or f"{jurisdiction.name}{spec.title}")[:200],
        effective_date=effective_date,
        entries=entries,
        added=[entry_label(e) for e in added],
        removed=[entry_label(e) for e in removed],
        change_note=text,
        published_by=by,
        sha256=snapshot_sha256(entries),
    )
    edition.save()
    witness_head(
        Source.CATALOGUE, f"CatalogueEdition #{edition.pk} {kind_key} {jurisdiction.code} {number}"
    )
    return edition


def published_jurisdictions(kind_key: str) -> list[Jurisdiction]:
    """Jurisdictions with at least one published edition of this catalogue."""
    ids = CatalogueEdition.objects.filter(kind=kind_key).values("jurisdiction_id")
    return list(Jurisdiction.objects.filter(pk__in=ids).order_by("code"))


def editions_for(kind_key: str, jurisdiction: Jurisdiction) -> list[CatalogueEdition]:
    return list(
        CatalogueEdition.objects.filter(kind=kind_key, jurisdiction=jurisdiction)
        .select_related("published_by")
        .order_by("-number")
    )
