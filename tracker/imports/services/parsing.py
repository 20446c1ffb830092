"""Parsing one data row: each cell read by its column's parser into the row's plan."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from tracker.cases.registry import CaseKind
from tracker.cases.validators import ID_NUMBER_MESSAGE, find_id_numbers
from tracker.imports.engine import (
    PARSERS,
    CellProblem,
    CellWarning,
    Column,
    ImportContext,
    KindImporter,
    RowPlan,
    cell_text,
    is_blank,
)
from tracker.imports.names import NameProblem
from tracker.imports.personal import ID_MARK
from tracker.models import Case


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
        _inherit(plan, present, positions, columns, inherited)
    for col, raw in present:
        _parse_cell(plan, col, raw, ctx, lengths)
    return plan


def _inherit(
    plan: RowPlan,
    present: list[tuple[Column, Any]],
    positions: dict[str, int],
    columns: dict[str, Column],
    inherited: dict[str, Any],
) -> None:
    """Blank cells and absent columns take what the row's sections, defaults and title give."""
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


def _parse_cell(
    plan: RowPlan, col: Column, raw: Any, ctx: ImportContext, lengths: dict[str, int | None]
) -> None:
    """One cell into the plan: its value where its column's target says, or an error."""
    header = ctx.header(col.key)
    if is_blank(raw):
        if col.required:
            plan.errors.append((header, _("必填项为空。")))
        return
    if find_id_numbers(cell_text(raw)):
        plan.errors.append((header, str(ID_NUMBER_MESSAGE)))
        return
    if ID_MARK in cell_text(raw):
        plan.errors.append(
            (header, _("此格原有身份证号或手机号，已从留存文件中删除：请改填后重新上传。"))
        )
        return
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
        return
    except CellProblem as exc:
        plan.errors.append((header, str(exc)))
        return
    plan.values[col.key] = value
    if col.target == "case":
        plan.case_fields[col.field_name] = value
    elif col.target == "subject":
        plan.subject_fields[col.field_name] = value
    else:
        plan.extras[col.key] = value
