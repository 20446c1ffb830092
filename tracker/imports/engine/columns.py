"""Columns and the per-kind column map (KindImporter), a row's plan and the import context."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy

from tracker.imports.engine.cells import normalize_key

if TYPE_CHECKING:  # pragma: no cover
    from tracker.imports.engine.parsers import DepartmentIndex
    from tracker.models import Case, Jurisdiction, User


# --- columns and the per-kind column map ---------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One spreadsheet column of a kind: its names, how its cells are read, where they go."""

    key: str
    header: Any  # canonical Chinese header (lazy), used in the template
    aliases: tuple[str, ...] = ()  # other Chinese names and English headers
    parser: str = "text"  # see PARSERS
    required: bool = False
    target: str = "subject"  # "case", "subject", "extra" (the importer uses it) or "ignore"
    field: str = ""  # model field name when it differs from key
    choices: Sequence[tuple[str, Any]] = ()
    choice_aliases: dict[str, str] = dataclasses.field(default_factory=dict)  # extra words -> value
    example: Any = ""
    help: Any = ""
    max_length: int | None = None  # for "extra" columns; model fields give their own

    @property
    def field_name(self) -> str:
        return self.field or self.key

    def names(self) -> list[str]:
        return [str(self.header), *self.aliases]


def common_case_columns(
    *,
    department_header: Any = None,
    department_required: bool = False,
    department_aliases: tuple[str, ...] = (),
    disposition_aliases: dict[str, str] | None = None,
    disposition_headers: tuple[str, ...] = (),
    examples: dict[str, Any] | None = None,
):
    """Case-level columns every kind shares: department, decision, dates."""
    # Longer than 60 lines: one declarative list of the shared columns, read top to bottom.
    examples = examples or {}
    columns = [
        Column(
            "disposition",
            gettext_lazy("处理决定"),
            (
                "处理意见",
                "清理意见",
                "处理结果",
                "处理情况",
                *disposition_headers,
                "disposition",
                "decision",
            ),
            parser="disposition",
            target="case",
            choice_aliases=disposition_aliases or {},
            example=examples.get("disposition", ""),
            help=gettext_lazy("填写处理决定的中文名称"),
        ),
        Column(
            "decision_doc_no",
            gettext_lazy("决定文号"),
            ("文号", "决定文件文号", "decisiondocno", "decisiondocumentno", "docno"),
            target="case",
            example=examples.get("decision_doc_no", ""),
        ),
        Column(
            "decision_date",
            gettext_lazy("决定日期"),
            ("决定时间", "decisiondate"),
            parser="date",
            target="case",
            example=examples.get("decision_date", ""),
        ),
        Column(
            "registered_on",
            gettext_lazy("登记日期"),
            ("registeredon", "registrationdate"),
            parser="date",
            target="case",
        ),
        Column(
            "deadline",
            gettext_lazy("完成时限"),
            ("完成期限", "整改时限", "办结时限", "deadline", "duedate"),
            parser="date",
            target="case",
            example=examples.get("deadline", ""),
        ),
        Column(
            "seq",
            gettext_lazy("序号"),
            ("no", "no.", "#", "seq"),
            target="ignore",
            example=1,
        ),
        Column(
            "remark",
            gettext_lazy("备注"),
            ("备注说明", "说明", "remark", "remarks", "notes"),
            target="extra",
            max_length=2000,
            help=gettext_lazy("导入时记为该事项的一条备注"),
        ),
        Column(
            "owner",
            gettext_lazy("责任人"),
            ("经办人", "owner"),
            target="extra",
            max_length=150,
            help=gettext_lazy("填写用户名或姓名；须是能看到该事项的改革办人员"),
        ),
    ]
    if department_header is not None:
        columns.insert(
            0,
            Column(
                "department",
                department_header,
                ("部门", "部门名称", "责任部门", *department_aliases, "department", "dept"),
                parser="department",
                required=department_required,
                target="case",
                example=examples.get("department", ""),
            ),
        )
    return columns


@dataclass
class RowPlan:
    """One data row: the parsed values, where they go, its errors and its outcome."""

    number: int  # the row number in the file (1-based, as Excel shows it)
    values: dict[str, Any] = dataclasses.field(
        default_factory=dict
    )  # parsed values of non-blank cells
    case_fields: dict[str, Any] = dataclasses.field(default_factory=dict)
    subject_fields: dict[str, Any] = dataclasses.field(default_factory=dict)
    extras: dict[str, Any] = dataclasses.field(default_factory=dict)
    errors: list[tuple[str, str]] = dataclasses.field(
        default_factory=list
    )  # (column header, message)
    title: str = ""
    keys: list[tuple] = dataclasses.field(default_factory=list)
    outcome: str = ""  # create | update | unchanged | skip | error
    note: str = ""
    duplicate: str = ""  # "file" (repeats an earlier row) or "db" (matches an existing case)
    existing: Case | None = None
    changes: dict[str, dict[str, Any]] = dataclasses.field(
        default_factory=dict
    )  # target -> field -> value
    changed_labels: list[str] = dataclasses.field(default_factory=list)
    case_obj: Any = None
    subject_obj: Any = None
    # What the preview shows: (label, value as it will be written, how it was read).
    resolved: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)
    # Problems an admin may accept with a reason: {code, column, message}.
    warnings: list[dict[str, str]] = dataclasses.field(default_factory=list)
    accepted: list[dict[str, str]] = dataclasses.field(default_factory=list)
    # Names the resolver could not place: {column, text, candidates: [(id, name)]}.
    unresolved: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    sub_rows: list[tuple[int, str]] = dataclasses.field(default_factory=list)  # (row, text)
    inherited: dict[str, str] = dataclasses.field(default_factory=dict)  # column -> where from
    owner: Any = None  # 责任人 for the case (User)
    remark: str = ""  # 备注, kept as a note on the case

    def warn(self, code: str, column: str, message: str) -> None:
        self.warnings.append({"code": code, "column": column, "message": message})


@dataclass
class ImportContext:
    """What parsers and importers need: the jurisdiction, its departments, the kind, the user."""

    kind: Any  # CaseKind
    jurisdiction: Jurisdiction
    user: User | None
    departments: DepartmentIndex
    headers: dict[str, str] = dataclasses.field(
        default_factory=dict
    )  # column key -> header text in file
    on_duplicate: str = "skip"
    cache: dict[str, Any] = dataclasses.field(default_factory=dict)  # importer-specific lookups

    def header(self, key: str) -> str:
        return self.headers.get(key, key)


class KindImporter:
    """The spreadsheet column map of one case kind, with hooks for kind-specific work.

    The default hooks handle a kind whose subject is plain fields; a domain app overrides
    them for related register rows (approval items, firms) and for its duplicate identity.
    """

    kind_key: str = ""
    title_column: str = "name"  # the column errors about the case title are reported on
    columns: list[Column] = []
    section_columns: tuple[str, ...] = ("department",)  # what a section row may give its rows
    title_columns: tuple[str, ...] = ()  # what a title row may give (choice columns)
    sub_item_column: str = ""  # where (1)(2) sub-item rows go, for kinds that have sub-items

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)

    def required_columns(self) -> list[Column]:
        return [c for c in self.columns if c.required]

    def complete_rows(self, plans: list[RowPlan], ctx: ImportContext) -> None:
        """All rows at once (batch look-ups), then ``complete`` for each row."""
        for plan in plans:
            self.complete(plan, ctx)

    def complete(self, plan: RowPlan, ctx: ImportContext) -> None:
        """Derive fields and add kind-specific errors (plan.errors) after the cells are parsed."""

    def expand(self, plan: RowPlan) -> list[RowPlan]:
        """One row may stand for several cases (an official's several posts): one plan each."""
        return [plan]

    def create_defaults(self, plan: RowPlan, ctx: ImportContext) -> dict[str, Any]:
        """Subject values for a new row whose cells leave them blank."""
        return {}

    def title(self, plan: RowPlan) -> str:
        return str(plan.subject_fields.get("name") or "")

    def keys(self, plan: RowPlan) -> list[tuple]:
        """Duplicate identities of a row: same name and department by default."""
        department = plan.case_fields.get("department")
        return [("name", normalize_key(plan.title), department.pk if department else None)]

    def existing(self, ctx: ImportContext) -> dict[tuple, Case]:
        """Cases already in the database, by the same identities as ``keys``."""
        from tracker.cases.workflow import Status
        from tracker.models import Case

        related = ctx.kind.subject_related_name
        found: dict[tuple, Case] = {}
        qs = (
            Case.objects.filter(kind=ctx.kind.key, jurisdiction=ctx.jurisdiction)
            .exclude(status=Status.WITHDRAWN)
            .select_related(related, "department")
            .order_by("id")
        )
        for case in qs:
            found.setdefault(("name", normalize_key(case.title), case.department_id), case)
        return found

    def extra_changes(self, plan: RowPlan, case: Case) -> dict[str, Any]:
        """Changes outside the case and subject fields (m2m, register rows): {label: value}."""
        return {}

    def prepare_create(self, plans: list[RowPlan], ctx: ImportContext, *, reason: str) -> None:
        """Before the bulk create: create register rows the subjects point to."""

    def after_create(self, plans: list[RowPlan], ctx: ImportContext, *, reason: str) -> None:
        """After the bulk create: many-to-many links and their history."""

    def prepare_update(self, plan: RowPlan, ctx: ImportContext, *, reason: str) -> dict:
        """Before one update: write register rows; return m2m values for case_update."""
        return {}

    def template_rows(self) -> list[list[Any]]:
        return [[c.example for c in self.template_columns()]]

    def template_columns(self) -> list[Column]:
        """序号 first, then every data column in map order."""
        seq = [c for c in self.columns if c.key == "seq"]
        return seq + [c for c in self.columns if c.target != "ignore"]
