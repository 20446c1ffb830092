"""The case timeline: pages of entries, the people in it, review markers, counts since."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.paginator import Page
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tracker.audit.timeline.entries import TimelineEntry
from tracker.audit.timeline.hydration import hydrate
from tracker.audit.timeline.index import _case_parts, _index_part, _union
from tracker.audit.timeline.source_specs import ACTION_LABELS, TimelineError, case_sources
from tracker.models import Case, User
from tracker.web.pagination import BoundedPaginator

# --- the case timeline -------------------------------------------------------------------


@dataclass
class TimelinePage:
    """One page of entries, newest first, with the paginator's page for the links."""

    entries: list[TimelineEntry]
    page: Page | None
    count: int | None  # None when not counted (``case_timeline(count=False)``)
    has_more: bool = False
    number: int = 1  # the page number when not counted (previous/next links only)

    @property
    def paginated(self) -> bool:
        return self.page is not None and self.page.paginator.num_pages > 1


def _paginate(index: QuerySet | None, page: int | str, per_page: int, **hydrate_kw) -> TimelinePage:
    if index is None:
        return TimelinePage([], None, 0)
    paginator = BoundedPaginator(index, per_page)
    current = paginator.get_page(page)
    entries = hydrate(list(current.object_list), **hydrate_kw)
    return TimelinePage(entries, current, paginator.count)


def case_timeline(
    case: Case,
    *,
    action: str = "",
    user_id: int | None = None,
    until: datetime.datetime | None = None,
    page: int | str = 1,
    per_page: int = 50,
    count: bool = True,
) -> TimelinePage:
    """The case's history across case, subject, milestones, evidence, notes and inspection.

    Newest first, filtered by action (a key of ``ACTION_LABELS``) and by user, optionally only
    up to ``until``; a constant number of queries whatever the number of events. With
    ``count=False`` only the ``per_page`` entries of ``page`` are read (no COUNT, no paginator;
    ``has_more`` says whether a next page exists).
    """
    if action and action not in ACTION_LABELS:
        raise TimelineError(_("未知的变更类型：%(v)s") % {"v": action})
    index = _union(_case_parts(case, action=action, user_id=user_id, until=until))
    if count or index is None:
        return _paginate(index, page, per_page)
    number = int(page) if str(page).isdigit() and int(page) > 0 else 1
    start = (number - 1) * per_page
    rows = list(index[start : start + per_page + 1])
    return TimelinePage(
        hydrate(rows[:per_page]), None, None, has_more=len(rows) > per_page, number=number
    )


def case_history(case: Case, limit: int | None = None) -> list[TimelineEntry]:
    """Every entry of the case's timeline (or the newest ``limit``), newest first."""
    index = _union(_case_parts(case))
    if index is None:
        return []
    rows = list(index[:limit] if limit else index)
    return hydrate(rows)


def case_timeline_users(case: Case) -> list[User]:
    """The people who appear in a case's history (for the user filter), in one query."""
    q = Q()
    for source in case_sources(case.kind):
        q |= Q(
            pk__in=source.model.objects.filter(**{source.case_attname: case.pk})
            .order_by()
            .values("history_user_id")
        )
    return list(User.objects.filter(q).order_by("username"))


def mark_review(entries: list[TimelineEntry], reviewed_up_to: datetime.datetime | None) -> None:
    """Flag entries newer than an inspector's marker and where the marker line goes."""
    if reviewed_up_to is None:
        return
    placed = False
    for entry in entries:
        entry.new_since_review = entry.when > reviewed_up_to
        if not placed and not entry.new_since_review:
            entry.marker_before = True
            placed = True


def count_since(case: Case, since: datetime.datetime, *, exclude_user: User | None = None) -> int:
    """How many history rows of the case were written after ``since`` (not by a given user)."""
    parts = []
    for source in case_sources(case.kind):
        qs = source.model.objects.filter(
            **{source.case_attname: case.pk, "history_date__gt": since}
        )
        if exclude_user is not None:
            qs = qs.exclude(history_user=exclude_user)
        parts.append(_index_part(source, qs))
    index = _union(parts)
    return index.count() if index is not None else 0
