"""The case kind registry: domain apps register their kinds here; the core never imports them.

Dashboards, lists and reports iterate ``kinds()``, so adding a kind touches one app.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models


@dataclass(frozen=True)
class MilestoneSpec:
    """One step of a kind's milestone template (DOMAIN.md §3)."""

    code: str
    name: Any  # lazy translation
    required: bool = True


@dataclass
class CaseKind:
    """Everything the core needs to know about one kind of case."""

    key: str  # "item", "firm", "post", "fee": used in URLs and stored on Case.kind
    code: str  # "ITEM", "FIRM", "POST", "FEE": used in reference numbers
    label: Any
    subject_model: type[models.Model]
    subject_related_name: str  # reverse accessor of the subject's OneToOne to Case
    dispositions: list[tuple[str, Any]]
    milestones: list[MilestoneSpec]
    form_class: type | None = None
    subject_detail_fields: list[str] = field(default_factory=list)
    personal: bool = False  # subject holds personal information (read-logged, never in reports)
    stream: str = ""  # report stream letter A/B/C/D
    importer: Any = None  # a tracker.imports.engine.KindImporter: spreadsheet columns for this kind

    def disposition_label(self, value: str) -> str:
        return str(dict(self.dispositions).get(value, value or ""))


_KINDS: dict[str, CaseKind] = {}


def register(kind: CaseKind) -> None:
    if kind.key in _KINDS and _KINDS[kind.key] is not kind:
        raise ValueError(f"case kind {kind.key!r} registered twice")
    _KINDS[kind.key] = kind


def kinds() -> list[CaseKind]:
    return sorted(_KINDS.values(), key=lambda k: k.stream or k.key)


def get_kind(key: str) -> CaseKind:
    return _KINDS[key]


def kind_choices() -> list[tuple[str, Any]]:
    """Choices for Case.kind; callable so the model never imports the domain apps."""
    order = ["item", "firm", "post", "fee"]
    known = [(k, v.label) for k, v in _KINDS.items()]
    known.sort(key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)
    return known


def all_disposition_choices() -> list[tuple[str, Any]]:
    seen: dict[str, Any] = {}
    for kind in kinds():
        for value, label in kind.dispositions:
            seen.setdefault(value, label)
    return list(seen.items())
