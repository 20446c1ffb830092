"""Deadline reads: the latest overdue explanation of each case, for lists and reports."""

from __future__ import annotations

from collections.abc import Iterable

from tracker.models import Case, Note


def latest_overdue_explanations(case_ids: Iterable[int]) -> dict[int, Note]:
    """The newest overdue explanation (逾期说明) per case id, in one query."""
    ids = list(case_ids)
    if not ids:
        return {}
    latest: dict[int, Note] = {}
    notes = (
        Note.objects.filter(case_id__in=ids, kind=Note.Kind.OVERDUE)
        .select_related("author")
        .order_by("case_id", "-created_at", "-id")
    )
    for note in notes:
        latest.setdefault(note.case_id, note)
    return latest


def attach_overdue_explanations(cases: Iterable[Case]) -> list[Case]:
    """Set ``case.overdue_explanation`` (a Note or None) on each case; one query in all.

    For the dashboard's overdue list and the monthly report's overdue rows:
    ``{% include "tracker/_overdue_rows.html" with cases=overdue_list %}``.
    """
    cases = list(cases)
    latest = latest_overdue_explanations(c.pk for c in cases)
    for case in cases:
        case.overdue_explanation = latest.get(case.pk)
    return cases
