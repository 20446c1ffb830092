"""What the uploader chose besides the file: file-wide defaults, accepted warnings, chosen departments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.cases import services
from tracker.imports.engine import FileProblem, KindImporter, alias_index, match_header
from tracker.imports.services.report import ImportRefused
from tracker.models import Department, DepartmentAlias, ImportBatch, User


@dataclass
class ImportOptions:
    """What the uploader chose besides the file: defaults, names fixed in the preview, etc."""

    defaults: dict[str, str] = field(default_factory=dict)  # column name as written -> value
    resolutions: dict[str, int] = field(default_factory=dict)  # name -> department id
    accepted: list[dict[str, Any]] = field(default_factory=list)  # {row, code, reason, by}
    owner: User | None = None  # 责任人 for every row without its own

    @classmethod
    def of(cls, batch: ImportBatch) -> ImportOptions:
        return cls(
            defaults=dict(batch.defaults or {}),
            resolutions=dict((batch.resolutions or {}).get("department", {})),
            accepted=list(batch.accepted_warnings or []),
            owner=batch.owner,
        )


def resolve_defaults(importer: KindImporter, defaults: dict[str, str]) -> dict[str, str]:
    """'收费类别' -> 'fee_kind': file-wide defaults keyed by column; unknown names refused."""
    index = alias_index(importer)
    result: dict[str, str] = {}
    for name, value in (defaults or {}).items():
        key = match_header(name, index)
        if key is None or importer.column(key).target == "ignore":
            raise FileProblem(
                _("默认值“%(n)s=%(v)s”：没有名为“%(n)s”的列。") % {"n": name, "v": value}
            )
        if str(value).strip():
            result[key] = str(value).strip()
    return result


def parse_defaults(lines: str | list[str]) -> dict[str, str]:
    """'收费类别=行政事业性收费' (one a line, or a list) -> {'收费类别': '行政事业性收费'}."""
    items = lines.splitlines() if isinstance(lines, str) else list(lines)
    result: dict[str, str] = {}
    for item in items:
        item = item.strip()
        if not item:
            continue
        name, sep, value = item.replace("＝", "=").partition("=")
        if not sep or not name.strip():
            raise ValueError(_("默认值“%(i)s”应写成“列名=值”。") % {"i": item})
        result[name.strip()] = value.strip()
    return result


def parse_accepted(items: list[str], *, by: User) -> list[dict[str, Any]]:
    """'5:credit_checksum=理由' -> accepted warnings; only a reform admin may accept."""
    result = []
    for item in items:
        where, sep, reason = item.partition("=")
        row, colon, code = where.partition(":")
        if not sep or not colon or not row.strip().isdigit() or not code.strip():
            raise ValueError(_("确认警告应写成“行号:代码=理由”，而不是“%(i)s”。") % {"i": item})
        result.append(warning_acceptance(row=int(row), code=code.strip(), reason=reason, by=by))
    return result


def warning_acceptance(*, row: int, code: str, reason: str, by: User) -> dict[str, Any]:
    """One warning accepted: by a reform admin, with a reason (as the firm form's override)."""
    if not getattr(by, "is_reform_admin", False):
        raise PermissionDenied(_("只有改革办管理员可以确认警告。"))
    reason = services.require_reason(reason)
    return {
        "row": row,
        "code": code,
        "reason": reason,
        "by": by.username,
        "at": timezone.now().isoformat(timespec="seconds"),
    }


@transaction.atomic
def batch_accept_warning(
    *, batch: ImportBatch, by: User, row: int, code: str, reason: str
) -> ImportBatch:
    """Record on the batch that an admin accepted one row's warning, with the reason."""
    services.require_editor(by, batch.jurisdiction)
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.state == ImportBatch.State.COMMITTED:
        raise ImportRefused(_("该文件已导入，不能再确认警告。"))
    entry = warning_acceptance(row=row, code=code, reason=reason, by=by)
    kept = [a for a in locked.accepted_warnings if (a["row"], a["code"]) != (row, code)]
    locked.accepted_warnings = [*kept, entry]
    locked.save(update_fields=["accepted_warnings"])
    return locked


@transaction.atomic
def batch_choose_department(
    *,
    batch: ImportBatch,
    by: User,
    name: str,
    department: Department,
    save_alias: bool = False,
) -> ImportBatch:
    """Fix a name the resolver could not place, for this batch (and, if asked, as an alias)."""
    services.require_editor(by, batch.jurisdiction)
    if department.jurisdiction_id != batch.jurisdiction_id:
        raise ValidationError(
            _("部门“%(d)s”属于%(j)s，不属于%(here)s。")
            % {
                "d": department.name,
                "j": department.jurisdiction.name,
                "here": batch.jurisdiction.name,
            }
        )
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.state == ImportBatch.State.COMMITTED:
        raise ImportRefused(_("该文件已导入，不能再修改。"))
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("名称不能为空。"))
    chosen = dict(locked.resolutions or {})
    chosen["department"] = {**chosen.get("department", {}), name: department.pk}
    locked.resolutions = chosen
    locked.save(update_fields=["resolutions"])
    if save_alias:
        alias = DepartmentAlias(
            alias=name[:100], jurisdiction=batch.jurisdiction, department=department
        )
        if not DepartmentAlias.objects.filter(
            alias=alias.alias, jurisdiction=batch.jurisdiction, department=department
        ).exists():
            services.tracked_save(
                alias,
                by=by,
                reason=_("导入预览中保存别名（批次 %(pk)d：%(f)s）")
                % {"pk": batch.pk, "f": batch.file_name},
            )
    return locked
