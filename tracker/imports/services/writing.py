"""Writing a checked import: references, the bulk path for new cases, case_update for the others."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.cases import services
from tracker.cases.registry import CaseKind
from tracker.imports.bulk import row_template
from tracker.imports.engine import ImportContext, KindImporter, RowPlan
from tracker.imports.services.report import ImportReport
from tracker.models import Case, Jurisdiction, Milestone, Note, ReferenceCounter, User

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


def _bulk():
    """``tracker.imports.services``, whose ``bulk_insert_with_history`` and
    ``bulk_insert_rows_with_history`` the writer calls: looked up there at call time, the
    names callers and tests replace (e.g. a failure in mid-write)."""
    from tracker.imports import services as package

    return package


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
        _bulk().bulk_insert_with_history(Case, [p.case_obj for p in creates], by=by, reason=reason)
        for plan in creates:
            plan.subject_obj.case = plan.case_obj
        _bulk().bulk_insert_with_history(
            kind.subject_model, [p.subject_obj for p in creates], by=by, reason=reason
        )
        importer.after_create(creates, ctx, reason=reason)
        _bulk().bulk_insert_rows_with_history(
            Milestone, _milestones(kind, creates), by=by, reason=reason
        )
        notes = _remark_notes(creates, by, report.file_name)
        if notes:
            _bulk().bulk_insert_rows_with_history(Note, notes, by=by, reason=reason)
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
        if plan.remark and not plan.existing.notes.filter(
            text=_remark_text(plan, report.file_name)
        ):
            services.note_add(case=plan.existing, by=by, text=_remark_text(plan, report.file_name))


def _remark_text(plan: RowPlan, file_name: str) -> str:
    return _("备注（导入自 %(f)s 第 %(n)d 行）：%(t)s") % {
        "f": file_name,
        "n": plan.number,
        "t": plan.remark,
    }


def _remark_notes(plans: list[RowPlan], by: User, file_name: str) -> list[dict[str, Any]]:
    """备注 cells of new rows, as notes on their cases (shown on the case page)."""
    template = row_template(Note)
    now = timezone.now()
    rows = []
    for plan in plans:
        if plan.remark:
            row = template.copy()
            row.update(
                case_id=plan.case_obj.pk,
                kind=Note.Kind.NOTE,
                text=_remark_text(plan, file_name),
                author_id=by.pk,
                created_at=now,
            )
            rows.append(row)
    return rows


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
