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
from tracker.imports.bulk import (
    bulk_insert_rows_with_history,
    bulk_insert_with_history,
    row_template,
)
from tracker.imports.engine import (
    PARSERS,
    CellProblem,
    Column,
    DepartmentIndex,
    FileProblem,
    ImportContext,
    KindImporter,
    RowPlan,
    is_blank,
    is_note_row,
    locate_header,
    read_table,
)
from tracker.models import (
    Case,
    ImportBatch,
    Jurisdiction,
    Milestone,
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

    @property
    def errors(self) -> list[dict[str, Any]]:
        """Every error, by row and column (file-level errors have no row)."""
        result: list[dict[str, Any]] = [
            {"row": None, "column": "", "message": m} for m in self.file_errors
        ]
        for plan in self.rows:
            for column, message in plan.errors:
                result.append({"row": plan.number, "column": column, "message": message})
        return result

    @property
    def ok(self) -> bool:
        return not self.file_errors and not any(plan.errors for plan in self.rows)

    def counts(self) -> dict[str, Any]:
        tally = Counter(plan.outcome for plan in self.rows)
        return {
            "total": len(self.rows),
            **{outcome: tally.get(outcome, 0) for outcome in OUTCOMES},
            "duplicates": sum(1 for plan in self.rows if plan.duplicate),
            "errors": len(self.errors),
            "format": self.file_format,
            "encoding": self.encoding,
            "header_row": self.header_row,
            "seconds": round(self.seconds, 3),
        }

    def reason(self) -> str:
        return history_reason(self.file_name, self.sha256)


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
) -> RowPlan | None:
    """Parse one row's cells; None for a row with nothing in any data column."""
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
    for col, raw in present:
        header = ctx.header(col.key)
        if is_blank(raw):
            if col.required:
                plan.errors.append((header, _("必填项为空。")))
            continue
        try:
            value = PARSERS[col.parser](raw, col, ctx, lengths.get(col.key))
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
) -> ImportReport:
    """Read and validate the whole file against the database; writes nothing."""
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
        header = locate_header(table, importer)
        report.header_row = header.row_number
        report.columns = [(header.headers[k], str(columns[k].header)) for k in header.positions]
        report.unknown_headers = header.unknown
        data_rows = [
            (number, cells)
            for number, cells in table.rows[header.row_index + 1 :]
            if not is_note_row(cells)
        ]
        if table.truncated or len(data_rows) > max_rows:
            raise FileProblem(
                _("数据行数超过上限：最多 %(max)d 行，请分成几个文件导入。") % {"max": max_rows}
            )
    except FileProblem as exc:
        report.file_errors.append(str(exc))
        report.seconds = time.perf_counter() - started
        return report
    ctx = ImportContext(
        kind=kind,
        jurisdiction=jurisdiction,
        user=by,
        departments=DepartmentIndex(jurisdiction),
        headers=header.headers,
        on_duplicate=report.on_duplicate,
    )
    lengths = _max_lengths(kind, importer)
    plans = []
    for number, cells in data_rows:
        plan = _parse_row(number, cells, header.positions, columns, lengths, ctx)
        if plan is not None:
            plans.append(plan)
    if not plans:
        report.file_errors.append(_("文件只有表头，没有数据行。"))
        report.seconds = time.perf_counter() - started
        return report
    importer.complete_rows(plans, ctx)
    for plan in plans:
        plan.title = (importer.title(plan) or "")[:300]
        if not plan.errors:
            plan.keys = importer.keys(plan)
    _classify(plans, importer.existing(ctx), report.on_duplicate)
    field_headers = _field_headers(importer, ctx)
    for plan in plans:
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


def import_preview(
    *,
    data: bytes,
    file_name: str,
    kind: CaseKind,
    jurisdiction: Jurisdiction,
    by: User,
    on_duplicate: str = "skip",
) -> ImportReport:
    """Validate the whole file and record the upload (ImportBatch); writes nothing else."""
    services.require_editor(by, jurisdiction)
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ImportRefused(size_message(len(data)))
    report = analyse(
        data=data,
        file_name=file_name,
        kind=kind,
        jurisdiction=jurisdiction,
        by=by,
        on_duplicate=on_duplicate,
    )
    batch = ImportBatch(
        kind=kind.key,
        jurisdiction=jurisdiction,
        user=by,
        file_name=(file_name or "")[:255],
        sha256=report.sha256,
        state=ImportBatch.State.PREVIEW if report.ok else ImportBatch.State.REJECTED,
    )
    _record(report, batch)
    batch.file.save(_batch_file_name(report.sha256, file_name), ContentFile(data), save=False)
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
            )
            if not report.ok:
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


def _resolve(kind: CaseKind | str, jurisdiction: Jurisdiction | str, user: User | str):
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
    jurisdiction: Jurisdiction | str,
    user: User | str,
    commit: bool = True,
    on_duplicate: str = "skip",
    file_name: str | None = None,
) -> ImportReport:
    """Import a file programmatically (command line, benchmark): preview, or commit if asked.

    ``source`` is a path, bytes or a binary file object; ``kind`` a key such as "item";
    ``jurisdiction`` a code such as "330102"; ``user`` a username. Returns the report: check
    ``report.ok`` / ``report.committed`` and ``report.errors``.
    """
    kind, jurisdiction, user = _resolve(kind, jurisdiction, user)
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
    if not commit:
        return import_preview(
            data=data,
            file_name=file_name,
            kind=kind,
            jurisdiction=jurisdiction,
            by=user,
            on_duplicate=on_duplicate,
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
    )
    batch.file.save(_batch_file_name(sha, file_name), ContentFile(data), save=False)
    batch.save()
    return import_commit(batch=batch, by=user, on_duplicate=on_duplicate, data=data)
