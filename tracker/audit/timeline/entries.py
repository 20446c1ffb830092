"""Display values and the timeline's entries: one history row, labelled and diffed."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.audit.timeline.source_specs import ACTION_LABELS
from tracker.models import Case

# --- display values ----------------------------------------------------------------------

SKIP_FIELDS = {
    "id",
    "version",
    "updated_at",
    "created_at",
    "case",
    "path",
    "recorded_at",
    "uploaded_at",
    "raised_at",
    "marked_at",
    "file",
    "size",
    "content_type",
    "date_joined",
    "is_superuser",
}


@cache
def diff_fields(history_model) -> tuple[models.Field, ...]:
    """The fields of a history model shown in diffs (bookkeeping and excluded fields left out)."""
    kept = {f.name for f in history_model._meta.concrete_fields}
    return tuple(
        f
        for f in history_model.instance_type._meta.concrete_fields
        if f.name in kept and f.name not in SKIP_FIELDS and not f.name.startswith("history_")
    )


def display(f: models.Field, value: Any, names: dict) -> str:
    """A human display value: choice labels, related objects' names, 是/否, local times."""
    if value is None or value == "":
        return ""
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(f, models.BooleanField):
        return str(_("是") if value else _("否"))
    if f.is_relation:
        obj = names.get((f.related_model, value))
        return str(obj) if obj is not None else f"#{value}"
    if isinstance(f, models.DateTimeField):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(f, models.DateField):
        return value.isoformat()
    return str(value)


@dataclass
class Change:
    """One field of one change: its label and the old and new display values."""

    field: str
    old: str
    new: str


@dataclass
class TimelineEntry:
    """One history row of one source, labelled and diffed against the row before it."""

    source: str
    history_id: int
    when: datetime.datetime
    user: Any
    reason: str
    action: str
    object_label: str
    history_type: str
    effective_date: datetime.date | None = None
    changes: list[Change] = field(default_factory=list)
    case_id: int | None = None
    case: Case | None = None  # filled in for the global audit log
    new_since_review: bool = False
    marker_before: bool = False

    @property
    def point(self) -> str:
        """The token naming this point of the timeline (compare, review marker)."""
        return f"{self.source}:{self.history_id}"

    @property
    def model(self) -> str:  # kept for older templates
        return self.source

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))

    @property
    def as_of_param(self) -> str:
        return timezone.localtime(self.when).strftime("%Y-%m-%dT%H:%M:%S.%f")

    def changes_text(self) -> str:
        return "；".join(
            f"{c.field}：{c.old} → {c.new}" if c.old != "" else f"{c.field}：{c.new}"
            for c in self.changes
        )
