"""Reads for credit and supervision: scoped by jurisdiction (tracker.cases.scoping) for staff
and inspectors, and the public views that show nothing personal."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from intermediaries.credit import draw as draw_algo
from intermediaries.credit import scoring
from intermediaries.credit.models import (
    BANDS,
    Complaint,
    ComplaintStatus,
    CreditRecord,
    ListEntry,
    ListType,
    PlanStatus,
    SpotCheckDraw,
    SpotCheckPlan,
)
from intermediaries.models import IntermediaryFirm
from tracker.cases.scoping import jurisdiction_filter
from tracker.models import Jurisdiction


def firms_in_scope(user) -> QuerySet[IntermediaryFirm]:
    return IntermediaryFirm.objects.filter(jurisdiction_filter(user))


def records_for(user) -> QuerySet[CreditRecord]:
    return CreditRecord.objects.filter(jurisdiction_filter(user)).select_related(
        "firm", "kind", "recorded_by", "superseded_by"
    )


def entries_for(user) -> QuerySet[ListEntry]:
    return ListEntry.objects.filter(jurisdiction_filter(user)).select_related(
        "firm", "jurisdiction"
    )


def complaints_for(user) -> QuerySet[Complaint]:
    """Complaints about places in the user's scope (staff triage them, inspectors read them)."""
    return Complaint.objects.filter(jurisdiction_filter(user)).select_related(
        "jurisdiction", "firm", "linked_case"
    )


def plans_for(user) -> QuerySet[SpotCheckPlan]:
    return SpotCheckPlan.objects.filter(jurisdiction_filter(user)).select_related("jurisdiction")


def draws_for(user) -> QuerySet[SpotCheckDraw]:
    return SpotCheckDraw.objects.filter(jurisdiction_filter(user)).select_related("firm", "plan")


def open_entries(firm_ids, day: datetime.date | None = None) -> dict[int, list[ListEntry]]:
    """The list entries in force on ``day`` for these firms."""
    day = day or timezone.localdate()
    out: dict[int, list[ListEntry]] = {}
    for entry in ListEntry.objects.filter(
        firm_id__in=list(firm_ids), decision_date__lte=day
    ).filter(Q(exited_on__isnull=True) | Q(exited_on__gt=day)):
        out.setdefault(entry.firm_id, []).append(entry)
    return out


def firm_credit(firm: IntermediaryFirm, day: datetime.date | None = None) -> dict:
    """Everything the firm page shows about credit: grade explained, records, lists, checks."""
    day = day or timezone.localdate()
    grade = scoring.firm_grade(firm.pk, day)
    records = list(
        CreditRecord.objects.filter(firm=firm)
        .select_related("kind", "recorded_by", "superseded_by", "source_case")
        .order_by("-effective_date", "-id")[:100]
    )
    counted = {c.record_id: c for c in grade.contributions}
    return {
        "firm": firm,
        "day": day,
        "grade": grade,
        "records": [(r, counted.get(r.pk)) for r in records],
        "entries": list(firm.list_entries.order_by("-decision_date", "-id")),
        "listed": [e for e in open_entries([firm.pk], day).get(firm.pk, [])],
        "draws": list(firm.spot_checks.select_related("plan").order_by("-plan__period_start")[:20]),
    }


# --- red flag: a listed firm named as provider of an item --------------------------------


@dataclass(frozen=True)
class ListedProvider:
    firm: IntermediaryFirm
    entries: list[ListEntry]

    @property
    def message(self) -> str:
        names = "、".join(
            f"{e.get_list_type_display()}（{e.decision_no}，{e.decision_date.isoformat()}）"
            for e in self.entries
        )
        return f"实施机构“{self.firm.name}”已列入{names}。"


def listed_provider(case, day: datetime.date | None = None) -> ListedProvider | None:
    """The red flag of an item case whose provider firm is on a list today."""
    if case.kind != "item":
        return None
    item = getattr(case, "intermediary_item", None)
    firm = getattr(item, "provider_firm", None) if item is not None else None
    if firm is None:
        return None
    entries = open_entries([firm.pk], day).get(firm.pk)
    return ListedProvider(firm, entries) if entries else None


def listed_provider_case_ids(day: datetime.date | None = None) -> QuerySet:
    """Ids of item cases whose provider firm is on a list on ``day`` (the same rule as SQL)."""
    from intermediaries.models import IntermediaryItem

    day = day or timezone.localdate()
    listed = ListEntry.objects.filter(decision_date__lte=day).filter(
        Q(exited_on__isnull=True) | Q(exited_on__gt=day)
    )
    return IntermediaryItem.objects.filter(provider_firm__in=listed.values("firm_id")).values(
        "case_id"
    )


# --- public disclosure ---------------------------------------------------------------------


@dataclass
class PublicFirmRow:
    firm_id: int
    name: str
    credit_code: str
    jurisdiction: str
    band: str
    lists: list[str]


def public_firm_rows(
    jurisdiction: Jurisdiction | None,
    day: datetime.date,
    *,
    offset: int = 0,
    limit: int | None = 50,
) -> tuple[list[PublicFirmRow], int]:
    """One page of firms with grade band and list status (no personal data), and the total."""
    firms = IntermediaryFirm.objects.all()
    if jurisdiction is not None:
        firms = firms.filter(jurisdiction__path__startswith=jurisdiction.path)
    total = firms.count()
    page = firms.order_by("name", "pk").values_list(
        "pk", "name", "credit_code", "jurisdiction__name"
    )
    page = list(page[offset : offset + limit] if limit else page)
    ids = [p[0] for p in page]
    grades = scoring.grades_as_of(day, ids)
    entries = open_entries(ids, day)
    rows = [
        PublicFirmRow(
            pk,
            name,
            code or "",
            place,
            grades[pk].band,
            [e.get_list_type_display() for e in entries.get(pk, [])],
        )
        for pk, name, code, place in page
    ]
    return rows, total


def public_entries(jurisdiction: Jurisdiction | None, list_type: str = "") -> QuerySet[ListEntry]:
    qs = ListEntry.objects.select_related("firm", "jurisdiction").order_by("-decision_date", "-id")
    if jurisdiction is not None:
        qs = qs.filter(jurisdiction__path__startswith=jurisdiction.path)
    if list_type:
        qs = qs.filter(list_type=list_type)
    return qs


JOINT_FIELDS = (
    "credit_code",
    "name",
    "jurisdiction_code",
    "list",
    "decision_no",
    "decision_date",
    "repair_until",
    "exited_on",
    "exit_decision_no",
)


def joint_punishment_rows(day: datetime.date) -> list[dict]:
    """The black list for other departments (联合惩戒名单): stable field names, entries in force
    on ``day``."""
    qs = (
        ListEntry.objects.filter(list_type=ListType.BLACK, decision_date__lte=day)
        .filter(Q(exited_on__isnull=True) | Q(exited_on__gt=day))
        .select_related("firm", "jurisdiction")
        .order_by("decision_date", "id")
    )
    return [
        {
            "credit_code": e.firm.credit_code or "",
            "name": e.firm.name,
            "jurisdiction_code": e.jurisdiction.code,
            "list": e.list_type,
            "decision_no": e.decision_no,
            "decision_date": e.decision_date.isoformat(),
            "repair_until": e.repair_until.isoformat(),
            "exited_on": e.exited_on.isoformat() if e.exited_on else None,
            "exit_decision_no": e.exit_decision_no,
        }
        for e in qs
    ]


def complaint_by_code(code: str) -> Complaint | None:
    code = (code or "").strip().upper()
    if not code or len(code) > 20:
        return None
    return Complaint.objects.filter(tracking_code=code).first()


# --- spot checks ---------------------------------------------------------------------------


@dataclass
class Verification:
    ok: bool
    problems: list[str]


def verify_plan(plan: SpotCheckPlan) -> Verification:
    """Re-run the draw from the revealed seed and the frozen lists; compare with what is stored
    and with the hashes published before the draw."""
    problems = []
    if plan.status != PlanStatus.DRAWN:
        return Verification(False, ["该计划尚未抽取。"])
    if draw_algo.sha256(plan.seed) != plan.seed_sha256:
        problems.append("公开的随机种子与事先公布的 SHA-256 不符。")
    if draw_algo.sha256(draw_algo.canonical(plan.candidates)) != plan.candidates_sha256:
        problems.append("候选名单与事先公布的 SHA-256 不符（名单已被改动）。")
    try:
        expected = draw_algo.run(
            plan.seed, plan.candidates, plan.firm_count, plan.inspectors_per_firm
        )
    except draw_algo.DrawImpossible as exc:
        return Verification(False, [*problems, str(exc)])
    stored = [
        (d.firm_id, tuple(d.inspector_ids))
        for d in plan.draws.order_by("position").only("firm_id", "inspector_ids")
    ]
    if stored != [(d.firm_id, d.inspector_ids) for d in expected]:
        problems.append("按种子重新抽取的结果与记录的抽取结果不一致。")
    return Verification(not problems, problems)


# --- dashboard -----------------------------------------------------------------------------


def dashboard_panel(user, day: datetime.date | None = None) -> dict:
    """Firms by band, list entries this month, complaints open/overdue, spot-check progress."""
    day = day or timezone.localdate()
    firm_ids = list(firms_in_scope(user).values_list("pk", flat=True))
    grades = scoring.grades_as_of(day, firm_ids)
    by_band = {b: 0 for b in BANDS}
    for g in grades.values():
        if g.band:
            by_band[g.band] += 1
    month_start = day.replace(day=1)
    entries = entries_for(user)
    complaints = (
        complaints_for(user)
        .filter(status=ComplaintStatus.SUBMITTED)
        .aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=day)))
    )
    draws = draws_for(user).aggregate(
        total=Count("pk"),
        done=Count("pk", filter=~Q(result="")),
        overdue=Count("pk", filter=Q(result="", plan__period_end__lt=day)),
    )
    return {
        "day": day,
        "bands": list(by_band.items()),
        "ungraded": sum(1 for g in grades.values() if not g.band),
        "entries_this_month": [
            (ListType(t).label, n)
            for t, n in entries.filter(decision_date__gte=month_start, decision_date__lte=day)
            .values_list("list_type")
            .annotate(n=Count("pk"))
            .order_by("list_type")
        ],
        "on_lists": entries.filter(exited_on__isnull=True).count(),
        "complaints_open": complaints["open"],
        "complaints_overdue": complaints["overdue"],
        "draws": draws,
    }
