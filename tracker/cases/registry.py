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
    # The subject fields shown on the case page and in history; by default the form's fields.
    subject_detail_fields: list[str] = field(default_factory=list)
    personal: bool = False  # subject holds personal information (read-logged, never in reports)
    stream: str = ""  # report stream letter A/B/C/D
    importer: Any = None  # a tracker.imports.engine.KindImporter: spreadsheet columns for this kind
    # The kind's red-flag rules (tracker.redflags.declare.Rule / MatchRule), declared in its app;
    # tracker.redflags iterates them with the core's milestone rules.
    red_flag_rules: tuple = ()
    # Monthly report (DOMAIN.md §4): the milestone whose completion the stream reports, the
    # subject columns it reads (report dimension -> SQL on the subject history row "s" or the
    # case history row "e"), and a function (lines: tracker.reports.figures.StreamLines) ->
    # list of {"label", "value", "unit"} giving the stream's detail lines.
    key_milestone: str = ""
    report_columns: dict[str, str] = field(default_factory=dict)
    report_details: Any = None
    # Demo and benchmark data (tracker.tooling.kinddata.DemoKind / BenchKind), built in the
    # kind's app; seed_demo and bench build cases only of the kinds that provide them.
    demo: Any = None
    bench: Any = None

    def __post_init__(self) -> None:
        if not self.subject_detail_fields and self.form_class is not None:
            self.subject_detail_fields = list(self.form_class._meta.fields)

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


# --- panels: sections domain apps add to core pages (dashboard, case page, firm page, report) --


@dataclass(frozen=True)
class Panel:
    """One section a domain app adds to a core page. ``context(user, obj)`` returns the
    partial's context (``panel`` in the template), or None to leave the section out."""

    key: str
    place: str  # "dashboard", "case", "firm", "report"
    template: str
    context: Any  # Callable[[User, object | None], dict | None]
    order: int = 100


_PANELS: dict[tuple[str, str], Panel] = {}


def register_panel(panel: Panel) -> None:
    _PANELS[(panel.place, panel.key)] = panel


def panels_for(place: str, user, obj=None) -> list[dict]:
    """The registered sections of one page, as {"template", "context"} for ``_panels.html``."""
    out = []
    for panel in sorted(
        (p for (where, _k), p in _PANELS.items() if where == place), key=lambda p: p.order
    ):
        context = panel.context(user, obj)
        if context is not None:
            out.append({"key": panel.key, "template": panel.template, "context": context})
    return out


# --- data set-up: reference data domain apps add to the demo city and the bench province ----


@dataclass(frozen=True)
class DataSetup:
    """Reference data an app builds before the demo or benchmark cases, not itself a case kind
    (intermediary firms, approval items). ``demo(ctx)`` and ``bench(builder)`` build it (see
    tracker.tooling.kinddata for what they receive), in ``order``; ``demo_summary(ctx)`` is a
    phrase for seed_demo's closing line ("中介机构 15 家"), ``bench_counts(builder)`` a dict
    of figures for the bench result."""

    key: str
    demo: Any = None
    demo_summary: Any = None
    bench: Any = None
    bench_counts: Any = None
    order: int = 100


_SETUPS: dict[str, DataSetup] = {}


def register_data_setup(setup: DataSetup) -> None:
    _SETUPS[setup.key] = setup


def data_setups() -> list[DataSetup]:
    return sorted(_SETUPS.values(), key=lambda s: (s.order, s.key))
