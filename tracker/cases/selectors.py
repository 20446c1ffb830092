"""Read selectors: every page reads through these, already scoped to the user."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Count, Func, IntegerField, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.audit import timeline
from tracker.audit.timeline import Change, TimelineEntry  # noqa: F401 (re-exported)
from tracker.cases.registry import kinds
from tracker.cases.scoping import jurisdictions_for, user_role
from tracker.cases.workflow import (
    AUDITORS,
    MAIN_PATH,
    OPEN_STATUSES,
    Role,
    Status,
    edges_from,
    next_on_path,
    refusal_to_open,
)
from tracker.models import Case, Evidence, Jurisdiction, Milestone, Note, User


def case_list(user: User) -> models.QuerySet[Case]:
    """All cases in the user's scope, with what the list table shows joined in."""
    return Case.objects.for_user(user).select_related("jurisdiction", "department", "owner")


def scope_total(user: User):
    """The number of cases in the user's scope (``case_list(user).count()``) as a scalar SQL
    expression that is cheap for a province-wide scope: all cases less those of the
    jurisdictions outside the user's subtree. Both counts are exact; the whole table's count
    is the one a database answers fastest (SQLite from the B-tree, without reading
    entries), and the jurisdictions outside a province are few or none. ``None`` for
    narrower scopes, which are cheaper to count directly."""
    if not _province_wide(user):
        return None
    outside = Jurisdiction.objects.exclude(path__startswith=user.jurisdiction.path).values("pk")
    return count_of(Case.objects.all()) - count_of(Case.objects.filter(jurisdiction__in=outside))


def _province_wide(user: User) -> bool:
    """A province's scope is (nearly) every case: some counts are cheaper over the whole
    table, less or without what lies outside it."""
    return bool(user.jurisdiction_id) and user.jurisdiction.level == Jurisdiction.Level.PROVINCE


def count_of(queryset: models.QuerySet) -> Subquery:
    """``(SELECT COUNT(*) FROM … WHERE …)`` for a queryset, as a scalar subquery.

    COUNT(*) as written (a plain function, so Django adds no GROUP BY): SQLite answers
    "SELECT COUNT(*) FROM t" from the B-tree without reading its entries, but not COUNT(1)
    (2 ms at 100,000 cases, against 0.02); counting the table directly (not a derived
    table) lets it count from an index."""
    counted = queryset.order_by().annotate(n=Func(template="COUNT(*)", output_field=IntegerField()))
    return Subquery(counted.values("n"), output_field=IntegerField())


def case_detail(user: User, reference: str, action: str = "view") -> Case:
    """One case the user may ``action``, with its subject joined in (404 otherwise)."""
    from tracker.cases.scoping import get_case_for_user

    base = Case.objects.select_related("jurisdiction", "department", "owner")
    case = get_case_for_user(user, reference, base, action)
    kind = case.kind_spec
    # Re-read with the subject (one query) now that the kind is known.
    return base.select_related(kind.subject_related_name).get(pk=case.pk)


def case_for_request(request, reference: str, action: str = "view") -> Case:
    """The choke-point of every case-bound page: the case the signed-in user may ``action``
    (404 otherwise), with a read of a personal kind written to the access log."""
    from tracker.cases.scoping import log_personal_read

    case = case_detail(request.user, reference, action)
    log_personal_read(request, case)
    return case


def case_milestones(case: Case) -> list[Milestone]:
    """The case's milestones in order, also cached on ``case`` (the completion guard reads them)."""
    models.prefetch_related_objects(
        [case],
        models.Prefetch(
            "milestones",
            queryset=Milestone.objects.select_related("recorded_by", "evidence").order_by("order"),
        ),
    )
    return list(case.milestones.all())


def case_evidence(case: Case) -> list[Evidence]:
    return list(case.evidence.select_related("uploaded_by", "milestone", "superseded_by"))


def case_notes(case: Case) -> list[Note]:
    return list(case.notes.select_related("author"))


@dataclass
class Step:
    """One status of the workflow's main path as the step indicator shows it."""

    status: str
    label: str
    state: str  # "done", "current" or "todo"


@dataclass
class WorkflowPanel:
    """Where a case stands on the main path, what is next and who may take it, for one user."""

    steps: list[Step]
    off_path: str  # the label of a status off the path (已撤回), else ""
    next_label: str
    next_roles: str
    next_refusal: str  # why this user may not take the next step now ("" if they may)
    actions: list  # edges this user may start now
    blocked: list  # (edge, reason): other edges of this user's role refused by a guard now


def workflow_panel(case: Case, user: User) -> WorkflowPanel:
    """The step indicator and the actions of ``user`` on ``case``, as the workflow rules say."""
    role = user_role(user)
    status = str(case.status)
    position = MAIN_PATH.index(status) if status in MAIN_PATH else None
    steps = [
        Step(
            str(s),
            str(s.label),
            "todo"
            if position is None or i > position
            else ("current" if i == position else "done"),
        )
        for i, s in enumerate(MAIN_PATH)
    ]
    nxt = next_on_path(status)
    actions, blocked = [], []
    for edge in edges_from(status):
        if role not in edge.roles:
            continue
        reason = refusal_to_open(case, edge.target, role)
        if reason:
            if nxt is None or edge.target != nxt.target:  # the next step's reason is shown apart
                blocked.append((edge, reason))
        else:
            actions.append(edge)
    return WorkflowPanel(
        steps=steps,
        off_path="" if position is not None else str(Status(status).label),
        next_label=str(nxt.label) if nxt else "",
        next_roles="、".join(str(Role(r).label) for r in Role.values if r in nxt.roles)
        if nxt
        else "",
        next_refusal=(refusal_to_open(case, nxt.target, role) or "") if nxt else "",
        actions=actions,
        blocked=blocked,
    )


def allowed_actions(case: Case, user: User) -> list:
    """Workflow edges this user may try from the case's current status."""
    role = user_role(user)
    return [edge for edge in edges_from(case.status) if role in edge.roles]


@dataclass
class SubjectField:
    label: str
    value: Any


def display_value(instance: models.Model, field_name: str) -> Any:
    """A human display value for one model field: choice labels, names, 是/否, lists."""
    f = instance._meta.get_field(field_name)
    if f.many_to_many:
        return "、".join(str(o) for o in getattr(instance, field_name).all())
    value = getattr(instance, field_name)
    if f.choices:
        return getattr(instance, f"get_{field_name}_display")()
    if isinstance(f, models.BooleanField):
        return _("是") if value else _("否")
    if value is None or value == "":
        return ""
    return value


def subject_fields(case: Case) -> list[SubjectField]:
    subject = case.subject
    if subject is None:
        return []
    return [
        SubjectField(str(subject._meta.get_field(n).verbose_name), display_value(subject, n))
        for n in case.kind_spec.subject_detail_fields
    ]


@dataclass(frozen=True)
class ScopeCounts:
    """The user's scope counted, for the dashboard's table and its charts alike.

    ``by_place``: (jurisdiction id, kind, status, cases, of them past their deadline);
    ``dispositions``: {(kind, disposition): cases}, withdrawn cases left out.
    """

    by_place: list[tuple[int, str, str, int, int]]
    dispositions: dict[tuple[str, str], int]


def scope_counts(user: User, today: datetime.date | None = None) -> ScopeCounts:
    """One GROUP BY over the scope, answered from the covering index
    (jurisdiction, kind, status, disposition, deadline) in its order: no case row read, no
    sort."""
    today = today or timezone.localdate()
    province_wide = _province_wide(user)
    # A province's scope is (nearly) every case: group the whole table, then keep the groups
    # of the user's jurisdictions (the rows are per jurisdiction, so this is exact), instead
    # of joining every case to the subtree (a hash join over 100,000 rows on PostgreSQL).
    cases = Case.objects.all() if province_wide else Case.objects.for_user(user)
    query = (
        cases.order_by()
        .values_list("jurisdiction_id", "kind", "status", "disposition")
        # Count a column of the index (jurisdiction is never NULL), not the id: PostgreSQL's
        # index does not hold the id, and counting it would read every case row.
        .annotate(
            n=Count("jurisdiction_id"),
            late=Count("jurisdiction_id", filter=Q(deadline__lt=today)),
        )
    )
    # Thousands of plain (int, str, str, str, int, int) rows at province scale: read them
    # straight from the cursor, without the queryset's per-row machinery.
    sql, params = query.query.sql_with_params()
    if province_wide and connection.vendor == "postgresql":
        # Read the groups in the order of the covering index (an index-only scan feeding a
        # streaming GROUP BY: 30-40 ms at 100,000 cases) rather than hashing every row of a
        # sequential scan (65-95 ms), which the default costs prefer. SET LOCAL needs a
        # transaction; elsewhere none is opened (on SQLite one would take the write lock).
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_hashagg = off")
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    if province_wide:
        mine = set(jurisdictions_for(user).values_list("pk", flat=True))
        rows = [row for row in rows if row[0] in mine]
    places: dict[tuple[int, str, str], list[int]] = {}
    dispositions: dict[tuple[str, str], int] = {}
    withdrawn = Status.WITHDRAWN.value
    for place, kind, status, disposition, n, late in rows:
        cell = places.get((place, kind, status))
        if cell is None:
            places[(place, kind, status)] = [n, late]
        else:
            cell[0] += n
            cell[1] += late
        if disposition and status != withdrawn:
            dispositions[(kind, disposition)] = dispositions.get((kind, disposition), 0) + n
    by_place = [(p, k, s, n, late) for (p, k, s), (n, late) in places.items()]
    return ScopeCounts(by_place=by_place, dispositions=dispositions)


def withdrawal_summary(user: User) -> list[dict[str, Any]] | None:
    """For admins and inspectors: the withdrawn cases of the scope per category and the
    requests waiting, each with the list filter that shows them; ``None`` for other roles."""
    from tracker.cases.withdrawals import withdrawal_counts, withdrawal_filter_choices

    if user_role(user) not in AUDITORS:
        return None
    counts = withdrawal_counts(Case.objects.for_user(user))
    return [
        {"value": value, "label": label, "count": counts[value]}
        for value, label in withdrawal_filter_choices()
    ] + [{"value": "", "label": _("已撤回合计"), "count": counts["total"]}]


def dashboard(
    user: User, today: datetime.date | None = None, counts: ScopeCounts | None = None
) -> dict[str, Any]:
    """Counts per kind × status, overdue, due soon and my cases, all in the user's scope."""
    today = today or timezone.localdate()
    scoped = Case.objects.for_user(user)
    counts_in = counts if counts is not None else scope_counts(user, today)
    rows, overdue_by_kind = _kind_rows(counts_in)
    totals = [sum(r["cells"][i] for r in rows) for i in range(len(Status))]
    related = ("jurisdiction", "department", "owner")
    due_soon = (
        scoped.filter(
            status__in=OPEN_STATUSES,
            deadline__gte=today,
            deadline__lte=today + datetime.timedelta(days=30),
        )
        .select_related(*related)
        .order_by("deadline", "id")[:15]
    )
    overdue = scoped.overdue(today)
    if user.jurisdiction_id and user.jurisdiction.level in ("province", "city"):
        # A wide scope: bound the deadline from below too (always true), so that SQLite's
        # planner walks the (status, deadline) index over the few overdue cases instead of
        # every open case of every jurisdiction (250 ms → 1 ms at 100k cases). A county's
        # narrow scope is faster through its (jurisdiction, status) index, as planned.
        overdue = overdue.filter(deadline__gte=datetime.date(1900, 1, 1))
    overdue_list = overdue.select_related(*related).order_by("deadline", "id")[:15]
    mine = (
        scoped.filter(owner=user, status__in=OPEN_STATUSES)
        .select_related(*related)
        .order_by("deadline", "id")[:15]
    )
    return {
        "statuses": list(Status),
        "rows": rows,
        "totals": totals,
        "grand_total": sum(totals),
        "overdue_total": sum(overdue_by_kind.values()),
        "due_soon": list(due_soon),
        "overdue_list": list(overdue_list),
        "mine": list(mine),
        "today": today,
    }


def _kind_rows(counts_in: ScopeCounts) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The dashboard's rows (per kind: the count per status, the total, the overdue) and the
    overdue count per kind."""
    # Counts per kind × status and, of the open ones, how many are past their deadline (the
    # same rows the overdue queryset selects).
    counts: dict[tuple[str, str], int] = {}
    overdue_by_kind: dict[str, int] = {}
    for _place, kind, status, n, late in counts_in.by_place:
        counts[(kind, status)] = counts.get((kind, status), 0) + n
        if status in OPEN_STATUSES:
            overdue_by_kind[kind] = overdue_by_kind.get(kind, 0) + late
    rows = []
    for kind in kinds():
        cells = [counts.get((kind.key, s.value), 0) for s in Status]
        rows.append(
            {
                "kind": kind,
                "cells": cells,
                "total": sum(cells),
                "overdue": overdue_by_kind.get(kind.key, 0),
            }
        )
    return rows, overdue_by_kind


# --- history: the readers live in tracker/audit/timeline/; these names stay for callers ----


def case_history(case: Case, limit: int | None = None) -> list[TimelineEntry]:
    """The case's history merged across case, subject, milestones, evidence, notes, inspection."""
    return timeline.case_history(case, limit=limit)
