"""Public catalogues (目录清单): retained intermediary items and kept fees, per jurisdiction.

The public reads only published editions: frozen JSON snapshots, each with the entries
added and removed since the previous edition. A case appears only once it is decided (or
later) with the keeping disposition; nothing undecided is ever published.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracker.audit.witness import Source, witness_head
from tracker.cases import workflow
from tracker.cases.registry import get_kind
from tracker.cases.scoping import jurisdictions_for, user_role
from tracker.cases.selectors import display_value
from tracker.cases.workflow import Role
from tracker.models import Case, CatalogueEdition, Jurisdiction, User

# Decided or later; never registered, under review or withdrawn.
PUBLISHABLE = workflow.DECIDED_STATUSES


@dataclass(frozen=True)
class CatalogueColumn:
    key: str
    header: Any
    source: str  # "case" or "subject"
    field: str


@dataclass(frozen=True)
class CatalogueSpec:
    """One public catalogue: which kind, which disposition keeps an entry, which columns."""

    kind: str
    slug: str  # URL part
    keep: str  # the disposition that puts a case in the catalogue
    title: Any
    columns: tuple[CatalogueColumn, ...]
    prefetch: tuple[str, ...] = ()


CATALOGUES: dict[str, CatalogueSpec] = {
    "item": CatalogueSpec(
        kind="item",
        slug="intermediaries",
        keep="retain",
        title=gettext_lazy("保留的行政审批中介服务事项目录"),
        columns=(
            CatalogueColumn("name", gettext_lazy("中介服务事项名称"), "subject", "name"),
            CatalogueColumn(
                "approval_items",
                gettext_lazy("涉及的审批事项项目名称"),
                "subject",
                "approval_items",
            ),
            CatalogueColumn("department", gettext_lazy("审批部门"), "case", "department"),
            CatalogueColumn("legal_basis", gettext_lazy("设定依据"), "subject", "legal_basis"),
            CatalogueColumn("provider", gettext_lazy("中介服务实施机构"), "subject", "provider"),
            CatalogueColumn("standard", gettext_lazy("收费标准"), "subject", "fee_standard"),
            CatalogueColumn("effective_date", gettext_lazy("生效日期"), "case", "decision_date"),
        ),
        prefetch=("intermediary_item__approval_items",),
    ),
    "fee": CatalogueSpec(
        kind="fee",
        slug="fees",
        keep="keep",
        title=gettext_lazy("行政事业性收费和政府性基金目录清单"),
        columns=(
            CatalogueColumn("name", gettext_lazy("收费项目名称"), "subject", "name"),
            CatalogueColumn("fee_kind", gettext_lazy("收费类别"), "subject", "fee_kind"),
            CatalogueColumn("department", gettext_lazy("主管部门"), "case", "department"),
            CatalogueColumn(
                "collecting_unit", gettext_lazy("执收单位"), "subject", "collecting_unit"
            ),
            CatalogueColumn("legal_basis", gettext_lazy("收费依据"), "subject", "legal_basis"),
            CatalogueColumn("standard", gettext_lazy("收费标准"), "subject", "standard"),
            CatalogueColumn(
                "revenue_handling", gettext_lazy("资金管理方式"), "subject", "revenue_handling"
            ),
            CatalogueColumn("effective_date", gettext_lazy("生效日期"), "case", "decision_date"),
        ),
    ),
}
LIST_KEYS = {"legal_basis"}  # one document per line in the snapshot


def spec_for(kind_key: str) -> CatalogueSpec:
    return CATALOGUES[kind_key]


def _value(case: Case, subject: Any, column: CatalogueColumn) -> Any:
    if column.source == "case":
        value = getattr(case, column.field)
        if isinstance(value, datetime.date):
            return value.isoformat()
        return str(value) if value is not None else ""
    if column.key in LIST_KEYS:
        raw = getattr(subject, column.field) or ""
        return [line.strip() for line in raw.splitlines() if line.strip()]
    value = display_value(subject, column.field)
    return "" if value is None else str(value)


def live_entries(kind_key: str, jurisdiction: Jurisdiction) -> list[dict[str, Any]]:
    """What an edition published now would contain (decided, keeping disposition only)."""
    spec = spec_for(kind_key)
    kind = get_kind(kind_key)
    qs = (
        Case.objects.filter(
            kind=kind_key,
            jurisdiction=jurisdiction,
            disposition=spec.keep,
            status__in=PUBLISHABLE,
        )
        .select_related("department", kind.subject_related_name)
        .prefetch_related(*spec.prefetch)
        .order_by("department__name", "title", "id")
    )
    entries = []
    for case in qs:
        subject = getattr(case, kind.subject_related_name)
        entry = {"key": case.reference}
        for column in spec.columns:
            entry[column.key] = _value(case, subject, column)
        entries.append(entry)
    return entries


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
    before = {e["key"]: e for e in previous}
    after = {e["key"]: e for e in current}
    added = [e for k, e in after.items() if k not in before]
    removed = [e for k, e in before.items() if k not in after]
    changed = [e for k, e in after.items() if k in before and before[k] != e]
    return added, removed, changed


def change_note(added: list, removed: list, changed: list, note: str = "") -> str:
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
    """Freeze the current catalogue as the next edition; only a reform admin, in scope."""
    if user_role(by) != Role.ADMIN:
        raise PermissionDenied(_("只有改革办管理员可以发布目录。"))
    if not jurisdictions_for(by).filter(pk=jurisdiction.pk).exists():
        raise PermissionDenied(_("该行政区划不在您的管辖范围内。"))
    if kind_key not in CATALOGUES:
        raise ValidationError(_("没有这种目录。"))
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
    added, removed, changed = diff_entries(previous.entries if previous else [], entries)
    number = previous.number + 1 if previous else 1
    edition = CatalogueEdition(
        kind=kind_key,
        jurisdiction=jurisdiction,
        number=number,
        title=(title.strip() or f"{jurisdiction.name}{spec_for(kind_key).title}")[:200],
        effective_date=effective_date,
        entries=entries,
        added=[entry_label(e) for e in added],
        removed=[entry_label(e) for e in removed],
        change_note=change_note(added, removed, changed, note)
        if previous
        else (
            _("首次发布，共 %(n)d 项。") % {"n": len(entries)}
            + ("；" + note.strip() if note.strip() else "")
        ),
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


def table_rows(spec: CatalogueSpec, entries: list[dict]) -> list[list[str]]:
    """One row per entry, in column order, lists joined one per line (screen, PDF, XLSX)."""
    rows = []
    for index, entry in enumerate(entries, start=1):
        row = [str(index)]
        for column in spec.columns:
            value = entry.get(column.key, "")
            row.append("\n".join(value) if isinstance(value, list) else str(value or ""))
        rows.append(row)
    return rows


def headers(spec: CatalogueSpec) -> list[str]:
    return [_("序号"), *(str(c.header) for c in spec.columns)]
