"""What a preview or commit found (ImportReport), the outcomes, and the import's history reason."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracker.imports.engine import ImportContext, RawTable, RowPlan
from tracker.imports.layout import LayoutResult
from tracker.imports.personal import Redaction
from tracker.models import ImportBatch, Jurisdiction

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


def size_message(size: int) -> str:
    return _("文件过大：%(size).1f MB，上限 %(max).1f MB。") % {
        "size": size / 1048576,
        "max": settings.IMPORT_MAX_BYTES / 1048576,
    }
