"""What the preview shows: each row's values as they will be written, its diff, unresolved names."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from tracker.imports.engine import RowPlan
from tracker.imports.services.report import ImportReport

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
