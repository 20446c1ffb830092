"""Analysis (reads only): the whole file read, parsed row by row and checked against the database."""

from __future__ import annotations

import time

from django.conf import settings
from django.utils.translation import gettext as _

from tracker.cases.registry import CaseKind
from tracker.imports.engine import (
    Column,
    FileProblem,
    HeaderMap,
    ImportContext,
    KindImporter,
    RawTable,
    RowPlan,
    cell_text,
    is_blank,
    is_note_row,
    locate_header,
    read_table,
)
from tracker.imports.layout import Layout, check_header_merges, fill_merged
from tracker.imports.names import DepartmentResolver
from tracker.imports.personal import personal_headers, scan
from tracker.imports.services.options import ImportOptions, resolve_defaults
from tracker.imports.services.parsing import _max_lengths, _parse_row
from tracker.imports.services.report import (
    DUPLICATE_POLICIES,
    ImportReport,
    sha256_of,
    size_message,
)
from tracker.imports.services.validation import (
    _classify,
    _diff_and_validate,
    _field_headers,
    _owners,
    _validate_new,
)
from tracker.models import Jurisdiction, User

# --- analysis (reads only) ---------------------------------------------------------------


def _read(
    report: ImportReport,
    data: bytes,
    file_name: str,
    importer: KindImporter,
    options: ImportOptions,
    columns: dict[str, Column],
) -> tuple[RawTable, HeaderMap, list[tuple[int, list]], dict[str, str]]:
    """The file up to its data rows: (table, header, data rows, file-wide defaults).

    Raises FileProblem when the file as a whole cannot be imported.
    """
    max_rows = settings.IMPORT_MAX_ROWS
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
    return table, header, data_rows, defaults


def _walk(
    report: ImportReport,
    layout: Layout,
    data_rows: list[tuple[int, list]],
    header: HeaderMap,
    columns: dict[str, Column],
    ctx: ImportContext,
    importer: KindImporter,
) -> list[RowPlan]:
    """Every data row parsed with what its sections give; sub-item rows kept with their row,
    unknown columns' cells kept with the batch."""
    lengths = _max_lengths(ctx.kind, importer)
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
    return plans


def _missing_columns(
    report: ImportReport,
    header: HeaderMap,
    columns: dict[str, Column],
    plans: list[RowPlan],
    defaults: dict[str, str],
) -> bool:
    """A required column neither in the header nor given to any row: a file error (True)."""
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
        return True
    return False


def _finish(
    plans: list[RowPlan],
    importer: KindImporter,
    ctx: ImportContext,
    options: ImportOptions,
    header: HeaderMap,
    headers: dict[str, str],
) -> None:
    """Rows missing a required column, the kind's completion, owners, accepted warnings, keys."""
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


def _outcomes(
    plans: list[RowPlan], kind: CaseKind, importer: KindImporter, ctx: ImportContext, policy: str
) -> None:
    """Each row's outcome (new, duplicate, update, unchanged, error), validated as it will be written."""
    _classify(plans, importer.existing(ctx), policy)
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


def _context(
    report: ImportReport,
    kind: CaseKind,
    jurisdiction: Jurisdiction,
    by: User | None,
    options: ImportOptions,
    columns: dict[str, Column],
    header: HeaderMap,
) -> ImportContext:
    """What parsers and the kind's importer read: headers as written, departments, the user."""
    headers = {k: str(columns[k].header) for k in columns}
    headers.update(header.headers)
    return ImportContext(
        kind=kind,
        jurisdiction=jurisdiction,
        user=by,
        departments=DepartmentResolver(jurisdiction, choices=options.resolutions),
        headers=headers,
        on_duplicate=report.on_duplicate,
    )


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
    if len(data) > settings.IMPORT_MAX_BYTES:
        report.file_errors.append(size_message(len(data)))
        return report
    columns = {c.key: c for c in importer.columns}
    try:
        table, header, data_rows, defaults = _read(
            report, data, file_name, importer, options, columns
        )
    except FileProblem as exc:
        report.file_errors.append(str(exc))
        report.seconds = time.perf_counter() - started
        return report
    report.defaults = {str(columns[k].header): str(v) for k, v in defaults.items()}
    ctx = _context(report, kind, jurisdiction, by, options, columns, header)
    headers = ctx.headers
    layout = Layout(table, header, importer, ctx, defaults=defaults)
    report.layout = layout.result
    plans = _walk(report, layout, data_rows, header, columns, ctx, importer)
    report.layout_errors = layout.result.errors
    if _missing_columns(report, header, columns, plans, defaults):
        report.seconds = time.perf_counter() - started
        return report
    if not plans:
        if not report.file_errors and not report.layout_errors:
            report.file_errors.append(_("文件只有表头，没有数据行。"))
        report.seconds = time.perf_counter() - started
        return report
    _finish(plans, importer, ctx, options, header, headers)
    _outcomes(plans, kind, importer, ctx, report.on_duplicate)
    report.rows = plans
    report.context = ctx
    report.seconds = time.perf_counter() - started
    return report
