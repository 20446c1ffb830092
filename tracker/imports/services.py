"""Spreadsheet import: a preview that validates the whole file and writes nothing but the
ImportBatch record, and a commit that writes every row or none, with history and audit chain.

Created rows take the bulk path (``tracker.imports.bulk.bulk_insert_with_history``, the fast
equivalent of ``tracker.audit.chain.bulk_create_with_history``: cases, subjects, milestones, each with
its history row and chain link); updated rows go through
``tracker.cases.services.case_update``. Every history row carries the reason
``import <file name> <sha256 prefix>``.
"""

from __future__ import annotations

import copy
import hashlib
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracker.cases import services, workflow
from tracker.cases.registry import CaseKind, get_kind
from tracker.cases.validators import ID_NUMBER_MESSAGE, find_id_numbers
from tracker.imports.bulk import (
    bulk_insert_rows_with_history,
    bulk_insert_with_history,
    row_template,
)
from tracker.imports.engine import (
    PARSERS,
    CellProblem,
    CellWarning,
    Column,
    FileProblem,
    ImportContext,
    KindImporter,
    RawTable,
    RowPlan,
    alias_index,
    cell_text,
    is_blank,
    is_note_row,
    locate_header,
    match_header,
    read_table,
)
from tracker.imports.layout import (
    Layout,
    LayoutResult,
    check_header_merges,
    fill_merged,
    title_jurisdiction,
)
from tracker.imports.names import DepartmentResolver, NameProblem
from tracker.imports.personal import ID_MARK, Redaction, personal_headers, redact, scan
from tracker.models import (
    Case,
    Department,
    DepartmentAlias,
    ImportBatch,
    Jurisdiction,
    Milestone,
    Note,
    ReferenceCounter,
    User,
    end_of_year,
)

DUPLICATE_POLICIES = ("skip", "update")
OUTCOMES = ("create", "update", "unchanged", "skip", "error")
OUTCOME_LABELS = {
    "create": gettext_lazy("新建"),
    "update": gettext_lazy("更新"),
    "unchanged": gettext_lazy("无变化"),
    "skip": gettext_lazy("跳过"),
    "error": gettext_lazy("错误"),
}


class ImportRefused(Exception):
    """The import cannot go ahead at all (too large, wrong kind, already committed)."""


@dataclass
class ImportReport:
    """Everything a preview or commit found: file facts, every row's outcome, every error."""

    kind: str
    jurisdiction: Jurisdiction
    file_name: str
    sha256: str
    on_duplicate: str = "skip"
    file_format: str = ""
    encoding: str = ""
    header_row: int | None = None
    columns: list[tuple[str, str]] = field(default_factory=list)  # (file header, canonical)
    unknown_headers: list[str] = field(default_factory=list)
    rows: list[RowPlan] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    batch: ImportBatch | None = None
    committed: bool = False
    seconds: float = 0.0
    context: ImportContext | None = None
    layout: LayoutResult | None = None
    layout_errors: list[dict[str, Any]] = field(default_factory=list)  # {row, column, message}
    extra_columns: dict[str, dict[str, str]] = field(default_factory=dict)  # header -> row -> text
    defaults: dict[str, str] = field(default_factory=dict)  # column header -> value (file-wide)
    table: RawTable | None = None
    redaction: Redaction | None = None

    @property
    def errors(self) -> list[dict[str, Any]]:
        """Every error, by row and column (file-level errors have no row)."""
        result: list[dict[str, Any]] = [
            {"row": None, "column": "", "message": m} for m in self.file_errors
        ]
        result += self.layout_errors
        for plan in self.rows:
            for column, message in plan.errors:
                result.append({"row": plan.number, "column": column, "message": message})
        return sorted(result, key=lambda e: (e["row"] is not None, e["row"] or 0))

    @property
    def warnings(self) -> list[dict[str, Any]]:
        """Warnings not yet accepted: they block the commit until an admin accepts them."""
        return [
            {"row": plan.number, **warning}
            for plan in self.rows
            if plan.outcome != "skip"
            for warning in plan.warnings
        ]

    @property
    def ok(self) -> bool:
        return (
            not self.file_errors
            and not self.layout_errors
            and not any(plan.errors for plan in self.rows)
        )

    @property
    def can_commit(self) -> bool:
        return self.ok and not self.warnings

    def counts(self) -> dict[str, Any]:
        tally = Counter(plan.outcome for plan in self.rows)
        return {
            "total": len(self.rows),
            **{outcome: tally.get(outcome, 0) for outcome in OUTCOMES},
            "duplicates": sum(1 for plan in self.rows if plan.duplicate),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "accepted": sum(len(plan.accepted) for plan in self.rows),
            "sections": len(self.layout.sections) if self.layout else 0,
            "format": self.file_format,
            "encoding": self.encoding,
            "header_row": self.header_row,
            "seconds": round(self.seconds, 3),
        }

    def reason(self) -> str:
        """The history reason of every row written; warnings accepted are named in it."""
        reason = history_reason(self.file_name, self.sha256)
        accepted = [
            _("第 %(n)d 行［%(c)s］%(m)s 已确认：%(r)s")
            % {"n": plan.number, "c": w["column"], "m": w["code"], "r": w["reason"]}
            for plan in self.rows
            for w in plan.accepted
        ]
        return f"{reason}；{'；'.join(dict.fromkeys(accepted))}" if accepted else reason


def history_reason(file_name: str, sha256: str) -> str:
    """The change reason written on every history row of an import."""
    return f"import {file_name} {sha256[:12]}"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- analysis (reads only) ---------------------------------------------------------------


def _max_lengths(kind: CaseKind, importer: KindImporter) -> dict[str, int | None]:
    lengths: dict[str, int | None] = {}
    for col in importer.columns:
        model = {"case": Case, "subject": kind.subject_model}.get(col.target)
        length = col.max_length
        if model is not None and length is None:
            try:
                length = model._meta.get_field(col.field_name).max_length
            except Exception:
                length = None
        lengths[col.key] = length
    return lengths


def _parse_row(
    number: int,
    cells: list,
    positions: dict[str, int],
    columns: dict[str, Column],
    lengths: dict[str, int | None],
    ctx: ImportContext,
    inherited: dict[str, Any] | None = None,
) -> RowPlan | None:
    """Parse one row's cells; None for a row with nothing in any data column.

    ``inherited`` holds what the row's section rows, the file-wide defaults and the title give
    (column key -> raw value), used where the row's own cell is blank or the column absent.
    """
    present = []
    for key, pos in positions.items():
        col = columns[key]
        if col.target == "ignore":
            continue
        raw = cells[pos] if pos < len(cells) else None
        present.append((col, raw))
    if all(is_blank(raw) for _col, raw in present):
        return None
    plan = RowPlan(number=number)
    if inherited:
        given = []
        for index, (col, raw) in enumerate(present):
            if is_blank(raw) and col.key in inherited:
                present[index] = (col, inherited[col.key])
                given.append(col.key)
        for key, raw in inherited.items():
            if key not in positions and key in columns:
                present.append((columns[key], raw))
                given.append(key)
        plan.inherited = {key: str(inherited[key]) for key in given}
    for col, raw in present:
        header = ctx.header(col.key)
        if is_blank(raw):
            if col.required:
                plan.errors.append((header, _("必填项为空。")))
            continue
        if find_id_numbers(cell_text(raw)):
            plan.errors.append((header, str(ID_NUMBER_MESSAGE)))
            continue
        if ID_MARK in cell_text(raw):
            plan.errors.append(
                (header, _("此格原有身份证号或手机号，已从留存文件中删除：请改填后重新上传。"))
            )
            continue
        try:
            if col.parser == "department":
                resolution = ctx.departments.resolve(cell_text(raw))
                value = resolution.department
                plan.resolved.append((header, value.name, resolution.why))
            else:
                value = PARSERS[col.parser](raw, col, ctx, lengths.get(col.key))
        except CellWarning as warning:
            plan.warn(warning.code, header, str(warning))
            value = warning.value
        except NameProblem as exc:
            plan.errors.append((header, str(exc)))
            plan.unresolved.append(
                {
                    "column": header,
                    "text": exc.text,
                    "candidates": [(d.pk, d.name) for d in exc.candidates],
                }
            )
            continue
        except CellProblem as exc:
            plan.errors.append((header, str(exc)))
            continue
        plan.values[col.key] = value
        if col.target == "case":
            plan.case_fields[col.field_name] = value
        elif col.target == "subject":
            plan.subject_fields[col.field_name] = value
        else:
            plan.extras[col.key] = value
    return plan


def analyse(
    *,
    data: bytes,
    file_name: str,
    kind: CaseKind,
    jurisdiction: Jurisdiction,
    by: User | None,
    on_duplicate: str = "skip",
    options: ImportOptions | None = None,
) -> ImportReport:
    """Read and validate the whole file against the database; writes nothing."""
    options = options or ImportOptions()
    started = time.perf_counter()
    report = ImportReport(
        kind=kind.key,
        jurisdiction=jurisdiction,
        file_name=file_name,
        sha256=sha256_of(data),
        on_duplicate=on_duplicate if on_duplicate in DUPLICATE_POLICIES else "skip",
    )
    importer: KindImporter | None = kind.importer
    if importer is None:
        report.file_errors.append(_("“%(k)s”不支持导入。") % {"k": kind.label})
        return report
    max_rows = settings.IMPORT_MAX_ROWS
    if len(data) > settings.IMPORT_MAX_BYTES:
        report.file_errors.append(size_message(len(data)))
        return report
    columns = {c.key: c for c in importer.columns}
    try:
        table = read_table(data, file_name, max_rows=max_rows)
        report.file_format, report.encoding = table.file_format, table.encoding
        if not table.rows:
            raise FileProblem(_("文件中没有任何内容。"))
        report.table, report.redaction = table, scan(table)
        fill_merged(table)
        header = locate_header(table, importer, allow_missing=True)
        check_header_merges(table, header)
        report.header_row = header.row_number
        report.columns = [(header.headers[k], str(columns[k].header)) for k in header.positions]
        report.unknown_headers = [
            h for h in header.unknown if h not in set(personal_headers(header.unknown))
        ]
        data_rows = [
            (number, cells)
            for number, cells in table.rows[header.row_index + 1 :]
            if not is_note_row(cells)
        ]
        if table.truncated or len(data_rows) > max_rows:
            raise FileProblem(
                _("数据行数超过上限：最多 %(max)d 行，请分成几个文件导入。") % {"max": max_rows}
            )
        defaults = resolve_defaults(importer, options.defaults)
    except FileProblem as exc:
        report.file_errors.append(str(exc))
        report.seconds = time.perf_counter() - started
        return report
    report.defaults = {str(columns[k].header): str(v) for k, v in defaults.items()}
    headers = {k: str(columns[k].header) for k in columns}
    headers.update(header.headers)
    ctx = ImportContext(
        kind=kind,
        jurisdiction=jurisdiction,
        user=by,
        departments=DepartmentResolver(jurisdiction, choices=options.resolutions),
        headers=headers,
        on_duplicate=report.on_duplicate,
    )
    layout = Layout(table, header, importer, ctx, defaults=defaults)
    report.layout = layout.result
    lengths = _max_lengths(kind, importer)
    plans: list[RowPlan] = []
    kept = {h: p for h, p in header.unknown_positions.items() if h in report.unknown_headers}
    for what, number, cells, inherited in layout.walk(data_rows):
        if what == "sub":
            if plans and plans[-1].number < number:
                plans[-1].sub_rows.append((number, cells))
            else:
                layout.result.errors.append(
                    {
                        "row": number,
                        "column": "",
                        "message": _("子项“%(t)s”上方没有所属的收费项目。") % {"t": cells[:40]},
                    }
                )
            continue
        plan = _parse_row(number, cells, header.positions, columns, lengths, ctx, inherited)
        if plan is not None:
            plans.extend(importer.expand(plan))
            for label, pos in kept.items():
                if (
                    pos < len(cells)
                    and not is_blank(cells[pos])
                    and (number, pos) not in report.redaction.cells
                ):
                    report.extra_columns.setdefault(label, {})[str(number)] = cell_text(cells[pos])
    report.layout_errors = layout.result.errors
    missing = [
        k
        for k in header.missing
        if not any(k in plan.values for plan in plans) and k not in defaults
    ]
    if missing:
        report.file_errors.append(
            _(
                "缺少必需的列：%(cols)s（表头在第 %(row)d 行；也可由分节行、标题或全文件默认值给出）。"
            )
            % {"cols": "、".join(str(columns[k].header) for k in missing), "row": header.row_number}
        )
        report.layout_errors = []
        report.seconds = time.perf_counter() - started
        return report
    if not plans:
        if not report.file_errors and not report.layout_errors:
            report.file_errors.append(_("文件只有表头，没有数据行。"))
        report.seconds = time.perf_counter() - started
        return report
    for plan in plans:
        for key in header.missing:
            if key not in plan.values and not any(h == headers[key] for h, _m in plan.errors):
                plan.errors.append(
                    (headers[key], _("必填项为空（表中没有此列，所在分节也未给出）。"))
                )
    importer.complete_rows(plans, ctx)
    owners = _owners(plans, ctx, options)
    accepted = {(int(a["row"]), a["code"]): a for a in options.accepted}
    for plan in plans:
        plan.title = (importer.title(plan) or "")[:300]
        plan.remark = str(plan.extras.get("remark") or "")
        plan.owner = owners.get(plan.number)
        still = []
        for warning in plan.warnings:
            done = accepted.get((plan.number, warning["code"]))
            if done:
                plan.accepted.append(
                    {**warning, "reason": done["reason"], "by": done.get("by", "")}
                )
            else:
                still.append(warning)
        plan.warnings = still
        if not plan.errors:
            plan.keys = importer.keys(plan)
    _classify(plans, importer.existing(ctx), report.on_duplicate)
    field_headers = _field_headers(importer, ctx)
    for plan in plans:
        if plan.owner is not None:
            plan.case_fields["owner"] = plan.owner
        if plan.outcome == "create":
            plan.subject_fields = {**importer.create_defaults(plan, ctx), **plan.subject_fields}
            _validate_new(plan, kind, ctx, field_headers)
        elif plan.outcome == "update":
            _diff_and_validate(plan, kind, importer, ctx, field_headers)
        if plan.errors:
            plan.outcome = "error"
    report.rows = plans
    report.context = ctx
    report.seconds = time.perf_counter() - started
    return report


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


def _owners(plans: list[RowPlan], ctx: ImportContext, options: ImportOptions) -> dict[int, User]:
    """责任人 per row (its 责任人 column) or for the file: only editors who can see the case."""
    from tracker.cases.scoping import EDITOR_ROLES, users_who_see

    eligible = users_who_see(ctx.jurisdiction).filter(role__in=EDITOR_ROLES)
    wanted = {str(p.extras["owner"]).strip() for p in plans if p.extras.get("owner")}
    by_name: dict[str, dict[int, User]] = {}
    known: dict[str, list[User]] = {}
    if wanted:
        for user in eligible:
            for label in {user.username, f"{user.last_name}{user.first_name}"}:
                by_name.setdefault(label, {})[user.pk] = user
        for user in User.objects.filter(username__in=wanted):
            known.setdefault(user.username, []).append(user)
    file_owner = options.owner
    if file_owner is not None and not eligible.filter(pk=file_owner.pk).exists():
        raise FileProblem(
            _("%(u)s不能编辑%(j)s的事项，不能作为责任人。")
            % {"u": file_owner, "j": ctx.jurisdiction.name}
        )
    result: dict[int, User] = {}
    for plan in plans:
        name = str(plan.extras.get("owner") or "").strip()
        if name:
            matches = list(by_name.get(name, {}).values())
            if len(matches) == 1:
                result[plan.number] = matches[0]
                plan.resolved.append((ctx.header("owner"), str(matches[0]), _("本行填写")))
            elif matches:
                plan.errors.append(
                    (ctx.header("owner"), _("“%(n)s”对应多名人员，请填写用户名。") % {"n": name})
                )
            elif name in known:
                plan.errors.append(
                    (
                        ctx.header("owner"),
                        _("%(u)s不能编辑%(j)s的事项，不能作为责任人。")
                        % {"u": name, "j": ctx.jurisdiction.name},
                    )
                )
            else:
                plan.errors.append(
                    (ctx.header("owner"), _("没有名为“%(n)s”的改革办人员。") % {"n": name})
                )
        elif file_owner is not None:
            result[plan.number] = file_owner
            plan.resolved.append((_("责任人"), str(file_owner), _("全文件指定")))
    return result


def size_message(size: int) -> str:
    return _("文件过大：%(size).1f MB，上限 %(max).1f MB。") % {
        "size": size / 1048576,
        "max": settings.IMPORT_MAX_BYTES / 1048576,
    }


def _classify(plans: list[RowPlan], existing: dict[tuple, Case], policy: str) -> None:
    """Outcome per row: error, duplicate inside the file, duplicate of a case, or new."""
    winners: dict[tuple, RowPlan] = {}
    for plan in plans:
        plan.duplicate = ""
        if plan.errors:
            plan.outcome = "error"
            continue
        earlier = next((winners[k] for k in plan.keys if k in winners), None)
        if earlier is not None and earlier.outcome != "skip":
            plan.duplicate = "file"
            if policy == "skip":
                plan.outcome = "skip"
                plan.note = _("与第 %(n)d 行重复，已跳过。") % {"n": earlier.number}
                continue
            earlier.outcome = "skip"
            earlier.duplicate = "file"
            earlier.note = _("与第 %(n)d 行重复，以第 %(n)d 行为准。") % {"n": plan.number}
        for key in plan.keys:
            winners[key] = plan
        matches = {existing[k].pk: existing[k] for k in plan.keys if k in existing}
        if len(matches) > 1:
            refs = "、".join(c.reference for c in matches.values())
            plan.errors.append(
                ("", _("同时与多条已有事项重复（%(refs)s），无法确定更新哪一条。") % {"refs": refs})
            )
            plan.outcome = "error"
            continue
        if matches:
            case = next(iter(matches.values()))
            plan.existing = case
            plan.duplicate = plan.duplicate or "db"
            if policy == "skip":
                plan.outcome = "skip"
                plan.note = _("与已有事项 %(ref)s 重复，已跳过。") % {"ref": case.reference}
            else:
                plan.outcome = "update"
        else:
            plan.outcome = "create"


def _field_headers(importer: KindImporter, ctx: ImportContext) -> dict[tuple[str, str], str]:
    """(target, model field) -> the column header as written in the file."""
    result = {}
    for col in importer.columns:
        if col.target in ("case", "subject"):
            result[(col.target, col.field_name)] = ctx.header(col.key)
    result[("case", "title")] = ctx.header(importer.title_column)
    return result


def _collect(
    plan: RowPlan,
    target: str,
    exc: ValidationError,
    instance: models.Model,
    headers: dict[tuple[str, str], str],
) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            header = headers.get((target, name))
            if header is None and name != "__all__":
                try:
                    header = str(instance._meta.get_field(name).verbose_name)
                except Exception:
                    header = name
            for message in ValidationError(errors).messages:
                plan.errors.append((header or "", message))
    else:
        for message in exc.messages:
            plan.errors.append(("", message))


_REQUIRED: dict[type, list[models.Field]] = {}


def _required_fields(model: type[models.Model]) -> list[models.Field]:
    """Plain fields that may not be blank (relations are resolved and checked elsewhere)."""
    if model not in _REQUIRED:
        _REQUIRED[model] = [
            f
            for f in model._meta.concrete_fields
            if not f.blank and not f.is_relation and not f.primary_key and f.editable
        ]
    return _REQUIRED[model]


def _validate(
    plan: RowPlan,
    target: str,
    instance: models.Model,
    headers: dict[tuple[str, str], str],
    skip: list[str],
) -> None:
    """Required fields and the model's clean(), without queries or per-value validators.

    Cell parsers already enforce lengths, choices, dates and numbers, so the costly
    ``clean_fields`` (callable choices are rebuilt on every call) is not needed per row.
    """
    missing = {
        f.name: [_("该项不能为空。")]
        for f in _required_fields(type(instance))
        if f.name not in skip and getattr(instance, f.attname) in (None, "")
    }
    if missing:
        _collect(plan, target, ValidationError(missing), instance, headers)
        return
    try:
        instance.clean()
    except ValidationError as exc:
        _collect(plan, target, exc, instance, headers)


def _validate_new(
    plan: RowPlan, kind: CaseKind, ctx: ImportContext, headers: dict[tuple[str, str], str]
) -> None:
    today = ctx.cache.setdefault("today", timezone.localdate())
    defaults = {"registered_on": today, "deadline": ctx.cache.setdefault("eoy", end_of_year(today))}
    case = Case(
        kind=kind.key,
        jurisdiction=ctx.jurisdiction,
        title=plan.title,
        **{**defaults, **plan.case_fields},
    )
    _validate(plan, "case", case, headers, ["reference"])
    subject = kind.subject_model(**plan.subject_fields)
    _validate(plan, "subject", subject, headers, ["case"])
    plan.case_obj, plan.subject_obj = case, subject


def _differs(instance: models.Model, name: str, value: Any) -> bool:
    f = instance._meta.get_field(name)
    current = getattr(instance, f.attname)
    if f.is_relation:
        return current != (value.pk if value is not None else None)
    return current != value


def _diff_and_validate(
    plan: RowPlan,
    kind: CaseKind,
    importer: KindImporter,
    ctx: ImportContext,
    headers: dict[tuple[str, str], str],
) -> None:
    case = plan.existing
    subject = case.subject
    case_changes = {n: v for n, v in plan.case_fields.items() if _differs(case, n, v)}
    subject_changes = {n: v for n, v in plan.subject_fields.items() if _differs(subject, n, v)}
    extra = importer.extra_changes(plan, case)
    plan.changes = {"case": case_changes, "subject": subject_changes}
    plan.changed_labels = [
        *(str(Case._meta.get_field(n).verbose_name) for n in case_changes),
        *(str(subject._meta.get_field(n).verbose_name) for n in subject_changes),
        *extra,
    ]
    if not plan.changed_labels:
        plan.outcome = "unchanged"
        plan.note = _("与已有事项 %(ref)s 相同。") % {"ref": case.reference}
        return
    if not workflow.is_editable(case.status):
        plan.errors.append(
            ("", _("已有事项 %(ref)s 已销号或已撤回，不能通过导入修改。") % {"ref": case.reference})
        )
        return
    plan.note = _("更新 %(ref)s：%(fields)s") % {
        "ref": case.reference,
        "fields": "、".join(plan.changed_labels),
    }
    merged_case = copy.copy(case)
    for name, value in case_changes.items():
        setattr(merged_case, name, value)
    _validate(plan, "case", merged_case, headers, ["reference"])
    merged_subject = copy.copy(subject)
    for name, value in subject_changes.items():
        setattr(merged_subject, name, value)
    _validate(plan, "subject", merged_subject, headers, ["case"])


# --- what the preview shows ---------------------------------------------------------------


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, models.Model):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list):
        return "、".join(_shown(v) for v in value)
    return str(value)


def row_display(plan: RowPlan, report: ImportReport | None) -> list[tuple[str, str, str]]:
    """(label, value as it will be written, how it was read) for the preview of one row."""
    if report is None or report.context is None:
        return list(plan.resolved)
    kind = report.context.kind
    columns = {c.key: c for c in kind.importer.columns}
    shown = list(plan.resolved)
    named = {label for label, _v, _h in shown}
    for key, value in plan.values.items():
        col = columns.get(key)
        if col is None or col.parser in ("department", "text", "names", "basis", "amount"):
            continue
        label = report.context.header(key)
        if label in named:
            continue
        if col.parser in ("choice", "choices"):
            labels = dict(col.choices)
            text = "、".join(
                str(labels.get(v, v)) for v in (value if isinstance(value, list) else [value])
            )
        elif col.parser in ("disposition", "dispositions"):
            values = value if isinstance(value, list) else [value]
            text = "、".join(kind.disposition_label(v) for v in values)
        else:
            text = _shown(value)
        how = _("来自分节、标题或默认值") if key in plan.inherited else ""
        shown.append((label, text, how))
    for key in plan.inherited:
        if key not in plan.values and key in columns:
            shown.append(
                (report.context.header(key), plan.inherited[key], _("来自分节、标题或默认值"))
            )
    return shown


def row_diff(plan: RowPlan) -> list[tuple[str, str, str]]:
    """(field, now, after the import) for a row that updates an existing case."""
    if plan.outcome != "update" or plan.existing is None:
        return []
    result = []
    for target, instance in (("case", plan.existing), ("subject", plan.existing.subject)):
        for name, value in plan.changes.get(target, {}).items():
            f = instance._meta.get_field(name)
            current = getattr(instance, name)
            if f.choices:
                labels = dict(f.flatchoices)
                current, value = labels.get(current, current), labels.get(value, value)
            result.append((str(f.verbose_name), _shown(current), _shown(value)))
    return result


def unresolved_names(report: ImportReport) -> list[dict[str, Any]]:
    """Each name the resolver could not place, with its rows and closest candidates."""
    found: dict[str, dict[str, Any]] = {}
    for plan in report.rows:
        for item in plan.unresolved:
            entry = found.setdefault(
                item["text"],
                {
                    "text": item["text"],
                    "column": item["column"],
                    "rows": [],
                    "candidates": item["candidates"],
                },
            )
            if plan.number not in entry["rows"]:
                entry["rows"].append(plan.number)
    return list(found.values())


# --- writing -----------------------------------------------------------------------------


def reserve_references(jurisdiction: Jurisdiction, kind: CaseKind, years: list[int]) -> list[str]:
    """Issue len(years) references (jurisdiction-kind-year-NNNN) with one counter step per year."""
    need = Counter(years)
    cursor: dict[int, list] = {}
    for year in sorted(need):
        prefix = f"{jurisdiction.code}-{kind.code}-{year}"
        counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(
            prefix=prefix
        )
        cursor[year] = [prefix, counter.last + 1]
        counter.last += need[year]
        counter.save(update_fields=["last"])
    refs = []
    for year in years:
        prefix, number = cursor[year]
        refs.append(f"{prefix}-{number:04d}")
        cursor[year][1] += 1
    return refs


def _write(report: ImportReport, kind: CaseKind, ctx: ImportContext, by: User) -> None:
    importer: KindImporter = kind.importer
    reason = report.reason()
    creates = [p for p in report.rows if p.outcome == "create"]
    if creates:
        importer.prepare_create(creates, ctx, reason=reason)
        refs = reserve_references(
            ctx.jurisdiction, kind, [p.case_obj.registered_on.year for p in creates]
        )
        for plan, ref in zip(creates, refs, strict=True):
            plan.case_obj.reference = ref
        bulk_insert_with_history(Case, [p.case_obj for p in creates], by=by, reason=reason)
        for plan in creates:
            plan.subject_obj.case = plan.case_obj
        bulk_insert_with_history(
            kind.subject_model, [p.subject_obj for p in creates], by=by, reason=reason
        )
        importer.after_create(creates, ctx, reason=reason)
        bulk_insert_rows_with_history(Milestone, _milestones(kind, creates), by=by, reason=reason)
        notes = _remark_notes(creates, by, report.file_name)
        if notes:
            bulk_insert_rows_with_history(Note, notes, by=by, reason=reason)
    for plan in report.rows:
        if plan.outcome != "update":
            continue
        m2m = importer.prepare_update(plan, ctx, reason=reason)
        if plan.changes["case"] or plan.changes["subject"] or m2m:
            services.case_update(
                case=plan.existing,
                by=by,
                expected_version=plan.existing.version,
                case_fields=plan.changes["case"],
                subject_fields=plan.changes["subject"],
                m2m=m2m,
                reason=reason,
            )
        if plan.remark and not plan.existing.notes.filter(
            text=_remark_text(plan, report.file_name)
        ):
            services.note_add(case=plan.existing, by=by, text=_remark_text(plan, report.file_name))


def _remark_text(plan: RowPlan, file_name: str) -> str:
    return _("备注（导入自 %(f)s 第 %(n)d 行）：%(t)s") % {
        "f": file_name,
        "n": plan.number,
        "t": plan.remark,
    }


def _remark_notes(plans: list[RowPlan], by: User, file_name: str) -> list[dict[str, Any]]:
    """备注 cells of new rows, as notes on their cases (shown on the case page)."""
    template = row_template(Note)
    now = timezone.now()
    rows = []
    for plan in plans:
        if plan.remark:
            row = template.copy()
            row.update(
                case_id=plan.case_obj.pk,
                kind=Note.Kind.NOTE,
                text=_remark_text(plan, file_name),
                author_id=by.pk,
                created_at=now,
            )
            rows.append(row)
    return rows


def _milestones(kind: CaseKind, plans: list[RowPlan]) -> list[dict[str, Any]]:
    """The kind's milestone template for every new case, as rows (no model instances)."""
    template = row_template(Milestone)
    specs = [(spec.code, str(spec.name), spec.required) for spec in kind.milestones]
    result = []
    for plan in plans:
        case = plan.case_obj
        dues = services.milestone_due_dates(case.registered_on, case.deadline, len(specs))
        for order, ((code, name, required), due) in enumerate(zip(specs, dues, strict=True), 1):
            row = template.copy()
            row.update(
                case_id=case.pk, code=code, name=name, order=order, required=required, due_date=due
            )
            result.append(row)
    return result


# --- the public entry points -------------------------------------------------------------


def _batch_file_name(sha256: str, file_name: str) -> str:
    """Stored under a generated name; the uploader's name is kept in ImportBatch.file_name."""
    suffix = PurePath(file_name or "").suffix.lower()[:10]
    return f"{sha256[:24]}{suffix}"


def _record(report: ImportReport, batch: ImportBatch) -> None:
    batch.counts = report.counts()
    batch.errors = report.errors
    batch.duplicate_policy = report.on_duplicate
    batch.extra_columns = report.extra_columns


def _keep_file(batch: ImportBatch, data: bytes, report_or_table: Any) -> None:
    """Keep the upload with the batch: a copy without ID numbers, phones or birth dates.

    The original's SHA-256 stays in ``batch.sha256``; a file that cannot be read at all is not
    kept (nothing in it can be checked for personal information).
    """
    table = getattr(report_or_table, "table", report_or_table)
    if table is None:
        return
    redaction = getattr(report_or_table, "redaction", None) or scan(table)
    kept = data
    if redaction:
        kept = redact(data, batch.file_name, table, redaction)
        batch.redacted_columns = redaction.labels + (
            [str(_("其他单元格中的身份证号、手机号"))] if redaction.cells else []
        )
    batch.stored_sha256 = sha256_of(kept)
    batch.file.save(_batch_file_name(batch.sha256, batch.file_name), ContentFile(kept), save=False)


def import_preview(
    *,
    data: bytes,
    file_name: str,
    kind: CaseKind,
    jurisdiction: Jurisdiction,
    by: User,
    on_duplicate: str = "skip",
    options: ImportOptions | None = None,
) -> ImportReport:
    """Validate the whole file and record the upload (ImportBatch); writes nothing else."""
    services.require_editor(by, jurisdiction)
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ImportRefused(size_message(len(data)))
    options = options or ImportOptions()
    report = analyse(
        data=data,
        file_name=file_name,
        kind=kind,
        jurisdiction=jurisdiction,
        by=by,
        on_duplicate=on_duplicate,
        options=options,
    )
    batch = ImportBatch(
        kind=kind.key,
        jurisdiction=jurisdiction,
        user=by,
        file_name=(file_name or "")[:255],
        sha256=report.sha256,
        state=ImportBatch.State.PREVIEW if report.ok else ImportBatch.State.REJECTED,
        defaults=options.defaults,
        owner=options.owner,
    )
    _record(report, batch)
    _keep_file(batch, data, report)
    batch.save()
    report.batch = batch
    return report


def batch_data(batch: ImportBatch) -> bytes:
    with batch.file.open("rb") as fh:
        return fh.read()


def batch_analyse(batch: ImportBatch, *, by: User, on_duplicate: str | None = None) -> ImportReport:
    """Re-validate a stored upload against the database as it is now (for the preview page)."""
    report = analyse(
        data=batch_data(batch),
        file_name=batch.file_name,
        kind=get_kind(batch.kind),
        jurisdiction=batch.jurisdiction,
        by=by,
        on_duplicate=on_duplicate or batch.duplicate_policy,
        options=ImportOptions.of(batch),
    )
    report.batch = batch
    return report


class _Rollback(Exception):
    pass


def import_commit(
    *,
    batch: ImportBatch,
    by: User,
    on_duplicate: str | None = None,
    data: bytes | None = None,
) -> ImportReport:
    """Write every row of a previewed file, or none: one transaction, history on every row."""
    services.require_editor(by, batch.jurisdiction)
    if batch.state == ImportBatch.State.COMMITTED:
        raise ImportRefused(_("该文件已于 %(t)s 导入，不能重复导入。") % {"t": batch.committed_at})
    kind = get_kind(batch.kind)
    data = data if data is not None else batch_data(batch)
    policy = on_duplicate if on_duplicate in DUPLICATE_POLICIES else batch.duplicate_policy
    started = time.perf_counter()
    report: ImportReport | None = None
    try:
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.state == ImportBatch.State.COMMITTED:
                raise ImportRefused(_("该文件已导入，不能重复导入。"))
            report = analyse(
                data=data,
                file_name=batch.file_name,
                kind=kind,
                jurisdiction=batch.jurisdiction,
                by=by,
                on_duplicate=policy,
                options=ImportOptions.of(locked),
            )
            if not report.can_commit:
                raise _Rollback
            _write(report, kind, report.context, by)
            report.committed = True
            report.seconds = time.perf_counter() - started
            _record(report, locked)
            locked.state = ImportBatch.State.COMMITTED
            locked.committed_at = timezone.now()
            locked.save()
            batch.refresh_from_db()
    except _Rollback:
        pass
    except (ValidationError, services.StaleEdit, PermissionDenied) as exc:
        # Something changed between the check and the write: nothing was written.
        report = report or ImportReport(
            kind=kind.key,
            jurisdiction=batch.jurisdiction,
            file_name=batch.file_name,
            sha256=batch.sha256,
        )
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        report.file_errors.extend(_("导入失败，未写入任何数据：%(e)s") % {"e": m} for m in messages)
        report.committed = False
    if not report.committed:
        report.seconds = time.perf_counter() - started
        _record(report, batch)
        batch.state = ImportBatch.State.REJECTED
        batch.save(update_fields=["counts", "errors", "duplicate_policy", "state"])
    report.batch = batch
    return report


def jurisdiction_from_title(data: bytes, file_name: str, user: User) -> Jurisdiction:
    """The jurisdiction the file's title rows name, among those the user may import into."""
    from tracker.cases.scoping import jurisdictions_for

    try:
        table = read_table(data, file_name, max_rows=settings.IMPORT_MAX_ROWS)
    except FileProblem as exc:
        raise ImportRefused(str(exc))
    found = title_jurisdiction(table, list(jurisdictions_for(user)))
    if found is None:
        raise ImportRefused(
            _("文件标题中没有可识别的行政区划名称（在您的范围内）：请选择行政区划后再导入。")
        )
    return found


def _resolve(kind: CaseKind | str, jurisdiction: Jurisdiction | str | None, user: User | str):
    kind = get_kind(kind) if isinstance(kind, str) else kind
    if isinstance(jurisdiction, str):
        jurisdiction = Jurisdiction.objects.get(code=jurisdiction)
    if isinstance(user, str):
        user = User.objects.get(username=user)
    return kind, jurisdiction, user


def import_file(
    source: str | Path | bytes | IO[bytes],
    *,
    kind: CaseKind | str,
    jurisdiction: Jurisdiction | str | None,
    user: User | str,
    commit: bool = True,
    on_duplicate: str = "skip",
    file_name: str | None = None,
    options: ImportOptions | None = None,
) -> ImportReport:
    """Import a file programmatically (command line, benchmark): preview, or commit if asked.

    ``source`` is a path, bytes or a binary file object; ``kind`` a key such as "item";
    ``jurisdiction`` a code such as "330102"; ``user`` a username. Returns the report: check
    ``report.ok`` / ``report.committed`` and ``report.errors``. Without a jurisdiction, the one
    the file's title names is used (it must be in the user's scope).
    """
    kind, jurisdiction, user = _resolve(kind, jurisdiction, user)
    options = options or ImportOptions()
    if options.accepted and not user.is_reform_admin:
        raise PermissionDenied(_("只有改革办管理员可以确认警告。"))
    if isinstance(source, (str, Path)):
        path = Path(source)
        data = path.read_bytes()
        file_name = file_name or path.name
    elif isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    else:
        data = source.read()
        file_name = file_name or PurePath(getattr(source, "name", "") or "upload").name
    file_name = file_name or "upload.xlsx"
    if jurisdiction is None:
        jurisdiction = jurisdiction_from_title(data, file_name, user)
    if not commit:
        return import_preview(
            data=data,
            file_name=file_name,
            kind=kind,
            jurisdiction=jurisdiction,
            by=user,
            on_duplicate=on_duplicate,
            options=options,
        )
    # Commit straight away: the commit validates the whole file itself (once, in its transaction).
    services.require_editor(user, jurisdiction)
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ImportRefused(size_message(len(data)))
    sha = sha256_of(data)
    batch = ImportBatch(
        kind=kind.key,
        jurisdiction=jurisdiction,
        user=user,
        file_name=file_name[:255],
        sha256=sha,
        duplicate_policy=on_duplicate if on_duplicate in DUPLICATE_POLICIES else "skip",
        defaults=options.defaults,
        owner=options.owner,
        accepted_warnings=options.accepted,
    )
    try:
        table = read_table(data, file_name, max_rows=settings.IMPORT_MAX_ROWS)
    except FileProblem:
        table = None
    _keep_file(batch, data, table)
    batch.save()
    return import_commit(batch=batch, by=user, on_duplicate=on_duplicate, data=data)
