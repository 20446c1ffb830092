"""The actions a history row can stand for, and the sources: one per history table."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy

from tracker.audit.chain import history_models
from tracker.cases.registry import kinds
from tracker.models import (
    Case,
    CaseFlag,
    Evidence,
    InspectionNote,
    Jurisdiction,
    Milestone,
    Note,
    ReviewMarker,
)

# --- actions -------------------------------------------------------------------------------

ACTIONS: tuple[tuple[str, Any], ...] = (
    ("create", gettext_lazy("新建")),
    ("update", gettext_lazy("修改")),
    ("transition", gettext_lazy("状态变更")),
    ("withdraw", gettext_lazy("撤回")),
    ("milestone", gettext_lazy("进度节点")),
    ("evidence", gettext_lazy("佐证材料")),
    ("note", gettext_lazy("备注")),
    ("inspection", gettext_lazy("纪检检查")),
)
ACTION_LABELS: dict[str, Any] = dict(ACTIONS)


class TimelineError(ValueError):
    """Bad input to a history reader (unknown filter value, bad version, bad time)."""


# --- sources: one per history table ---------------------------------------------------------


@dataclass(frozen=True)
class M2MSpec:
    """A many-to-many field whose membership is snapshotted with each history row."""

    label: str
    model: type[models.Model]  # the m2m history model (one row per member per history row)
    target_attname: str
    target_model: type[models.Model]


@dataclass(frozen=True)
class Source:
    """One history table as the readers see it: how to scope it, label it and name its actions."""

    key: str
    model: type[models.Model]  # the history model
    label: Any
    case_field: str | None  # "id" for the case itself, "case" for case data, None for registers
    jurisdiction_field: str  # path to a Jurisdiction, for scoping
    kind: str | None = None  # subject sources: the one case kind they belong to
    create_action: str = "create"
    change_action: str = "update"
    title_field: str | None = None
    effective_field: str | None = None
    m2m: tuple[M2MSpec, ...] = ()

    @property
    def pk_name(self) -> str:
        return self.model.instance_type._meta.pk.attname

    @property
    def case_attname(self) -> str | None:
        if self.case_field == "case":
            return "case_id"
        return self.case_field

    def actions(self) -> set[str]:
        if self.key == "case":
            return {"create", "update", "transition", "withdraw"}
        return {self.create_action, self.change_action}


def _m2m_specs(history_model) -> tuple[M2MSpec, ...]:
    specs = []
    for m2m_field in getattr(history_model, "_history_m2m_fields", []):
        m2m_model = getattr(history_model, m2m_field.name).model
        target = m2m_field.related_model
        attname = next(
            f.attname
            for f in m2m_model._meta.concrete_fields
            if f.is_relation and f.related_model is target
        )
        specs.append(M2MSpec(str(m2m_field.verbose_name), m2m_model, attname, target))
    return tuple(specs)


CASE_PATH = "case__jurisdiction"


@cache
def sources() -> dict[str, Source]:
    """Every history source, case data first; built once the kinds are registered."""
    found: dict[str, Source] = {
        "case": Source("case", Case.history.model, gettext_lazy("事项"), "id", "jurisdiction")
    }
    for kind in kinds():
        history_model = kind.subject_model.history.model
        found[f"subject.{kind.key}"] = Source(
            f"subject.{kind.key}",
            history_model,
            gettext_lazy("登记信息"),
            "case",
            CASE_PATH,
            kind=kind.key,
            m2m=_m2m_specs(history_model),
        )
    found.update(_case_data_sources())
    found.update(_register_sources({s.model for s in found.values()}))
    return found


def _case_data_sources() -> dict[str, Source]:
    """Milestones, evidence, notes, inspection notes and flags: each row belongs to a case."""
    found: dict[str, Source] = {}
    found["milestone"] = Source(
        "milestone",
        Milestone.history.model,
        gettext_lazy("进度节点"),
        "case",
        CASE_PATH,
        change_action="milestone",
        title_field="name",
        effective_field="effective_date",
    )
    found["evidence"] = Source(
        "evidence",
        Evidence.history.model,
        gettext_lazy("佐证材料"),
        "case",
        CASE_PATH,
        create_action="evidence",
        change_action="evidence",
        title_field="title",
        effective_field="effective_date",
    )
    found["note"] = Source(
        "note",
        Note.history.model,
        gettext_lazy("备注"),
        "case",
        CASE_PATH,
        create_action="note",
        change_action="note",
    )
    found["inspection_note"] = Source(
        "inspection_note",
        InspectionNote.history.model,
        gettext_lazy("检查意见"),
        "case",
        CASE_PATH,
        create_action="inspection",
        change_action="inspection",
    )
    found["flag"] = Source(
        "flag",
        CaseFlag.history.model,
        gettext_lazy("检查标记"),
        "case",
        CASE_PATH,
        create_action="inspection",
        change_action="inspection",
    )
    return found


def _register_sources(known: set) -> dict[str, Source]:
    """Every other history table scoped to a jurisdiction (the registers: users, departments...)."""
    found: dict[str, Source] = {}
    for history_model in history_models():
        instance_type = getattr(history_model, "instance_type", None)
        if instance_type is None or history_model in known or instance_type is ReviewMarker:
            continue
        names = {f.name for f in instance_type._meta.concrete_fields}
        if "case" in names:
            continue
        if instance_type is Jurisdiction:
            path = "id"
        elif "jurisdiction" in names:
            path = "jurisdiction"
        else:
            continue  # not scoped to a jurisdiction: not part of anybody's audit scope
        key = f"register.{instance_type._meta.label_lower}"
        found[key] = Source(
            key,
            history_model,
            instance_type._meta.verbose_name,
            None,
            path,
            title_field="name"
            if "name" in names
            else ("username" if "username" in names else None),
        )
    return found


def case_sources(case_kind: str | None = None) -> list[Source]:
    """Sources holding one case's data (its own kind's subject only when the kind is given)."""
    return [
        s
        for s in sources().values()
        if s.case_field is not None and (s.kind is None or case_kind is None or s.kind == case_kind)
    ]
