"""The report's accountability figures: approved withdrawals by category for each kind and
place, and the decisions a re-decision (回头看：重新决定) superseded during the month.

Both read rows that are never changed once written (a decided withdrawal request, a
superseded decision), bounded by the report's instant (``Period.next_start``), so an issued
report's figures stay what they were. Withdrawals made before withdrawal requests existed
have no category: they are the places' withdrawn cases (at the report's instant) that no
approved request accounts for, shown as "早期撤回（未分类）"."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count

from tracker.cases.registry import get_kind, kinds
from tracker.cases.withdrawals import WithdrawalCategory, WithdrawalRequest, WithdrawalState

LEGACY = "legacy"


def withdrawal_rows(scope, period, groups=()) -> list[dict]:
    """One row per kind and place with withdrawn cases: the count of each category, and of the
    legacy withdrawals (withdrawn cases in ``groups`` beyond the approved requests)."""
    counts: dict[tuple[str, int], Counter] = {}
    found = (
        WithdrawalRequest.objects.filter(
            state=WithdrawalState.APPROVED,
            decided_at__lt=period.next_start,
            case__jurisdiction_id__in=list(scope.row_of),
        )
        .values_list("case__kind", "case__jurisdiction_id", "category")
        .annotate(n=Count("id"))
        .order_by()
    )
    for kind, place, category, n in found:
        key = (kind, scope.row_of[place])
        counts.setdefault(key, Counter())[category] += n
    withdrawn: Counter = Counter()
    for g in groups:
        if g.withdrawn and g.juris_id in scope.row_of:
            withdrawn[(g.kind, scope.row_of[g.juris_id])] += g.n
    for key, n in withdrawn.items():
        legacy = n - sum(counts.get(key, Counter()).values())
        if legacy > 0:
            counts.setdefault(key, Counter())[LEGACY] += legacy
    order = {k.key: i for i, k in enumerate(kinds())}
    rows = []
    for (kind, index), by_category in sorted(
        counts.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1])
    ):
        rows.append(
            {
                "kind": str(get_kind(kind).label),
                "place": scope.rows[index]["label"],
                **{c: by_category.get(c, 0) for c in WithdrawalCategory.values},
                LEGACY: by_category.get(LEGACY, 0),
                "total": sum(by_category.values()),
            }
        )
    return rows


def redecision_rows(scope, period) -> list[dict]:
    """Each decision superseded during the month in the scope, oldest first."""
    from tracker.cases.decisions import SupersededDecision

    found = (
        SupersededDecision.objects.filter(
            superseded_at__gte=period.prev_next,
            superseded_at__lt=period.next_start,
            case__jurisdiction_id__in=list(scope.row_of),
        )
        .select_related("case", "superseded_by")
        .order_by("superseded_at", "id")
    )
    return [
        {
            "reference": row.case.reference,
            "title": row.case.title,
            "old": f"{row.disposition_label}（{row.decision_doc_no}）",
            "new": f"{row.new_disposition_label}（{row.new_doc_no}）",
            "reason": row.reason,
            "date": f"{row.superseded_at:%Y-%m-%d}",
        }
        for row in found
    ]
