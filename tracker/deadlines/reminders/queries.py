"""The reads reminders are built from: links, due cases and milestones, overdue cases, digests."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from tracker.cases.workflow import OPEN_STATUSES, Role
from tracker.deadlines.reminders.rules import DIGEST_MAX_ROWS, LONGEST_WINDOW
from tracker.models import Case, Milestone, Note, User

# --- reads --------------------------------------------------------------------------------


def site_url(path: str) -> str:
    """Absolute link when TRACKER_SITE_URL is set (e-mails need one), otherwise the path."""
    return (getattr(settings, "TRACKER_SITE_URL", "") or "").rstrip("/") + path


def case_url(reference: str) -> str:
    return site_url(reverse("tracker:case_detail", kwargs={"reference": reference}))


def _days_phrase(days_left: int) -> str:
    if days_left <= 0:
        return _("今天到期")
    if days_left == 1:
        return _("明天到期")
    return _("还有 %(n)d 天到期") % {"n": days_left}


def active_owner_q(prefix: str = "owner") -> Q:
    return Q(**{f"{prefix}__isnull": False, f"{prefix}__is_active": True})


def cases_due_within(today: datetime.date, days: int = LONGEST_WINDOW) -> models.QuerySet[Case]:
    """Open cases with an active owner whose deadline is today or within ``days`` days."""
    return (
        Case.objects.filter(
            active_owner_q(),
            status__in=OPEN_STATUSES,
            deadline__gte=today,
            deadline__lte=today + datetime.timedelta(days=days),
        )
        .select_related("jurisdiction")
        .only("id", "reference", "title", "deadline", "owner", "jurisdiction__name")
        .order_by("deadline", "id")
    )


def milestones_due_within(
    today: datetime.date, days: int = LONGEST_WINDOW
) -> models.QuerySet[Milestone]:
    """Pending milestones of open cases with an active owner, due today or within ``days``."""
    return (
        Milestone.objects.filter(
            active_owner_q("case__owner"),
            done=False,
            case__status__in=OPEN_STATUSES,
            due_date__gte=today,
            due_date__lte=today + datetime.timedelta(days=days),
        )
        .select_related("case")
        .only("id", "name", "due_date", "case__id", "case__reference", "case__title", "case__owner")
        .order_by("due_date", "id")
    )


def latest_overdue_note_subquery(field_name: str = "expected_date") -> models.Subquery:
    latest = Note.objects.filter(case=OuterRef("pk"), kind=Note.Kind.OVERDUE).order_by(
        "-created_at", "-id"
    )
    return models.Subquery(latest.values(field_name)[:1])


def overdue_cases_needing_explanation(today: datetime.date) -> models.QuerySet[Case]:
    """Overdue cases with an active owner and no explanation whose expected date is still ahead.

    Annotated with ``explained_until`` (the latest explanation's expected date, or None).
    """
    return (
        Case.objects.overdue(today)
        .filter(active_owner_q())
        .annotate(explained_until=latest_overdue_note_subquery())
        .filter(Q(explained_until__isnull=True) | Q(explained_until__lt=today))
        .only("id", "reference", "title", "deadline", "owner")
        .order_by("deadline", "id")
    )


def reform_admins() -> models.QuerySet[User]:
    return User.objects.filter(role=Role.ADMIN, is_active=True).select_related("jurisdiction")


def overdue_digest_rows(admin: User, today: datetime.date) -> tuple[int, list[Case]]:
    """The number of overdue cases in an admin's scope and the first rows of the digest."""
    scoped = Case.objects.for_user(admin).overdue(today)
    total = scoped.count()
    if not total:
        return 0, []
    rows = list(
        scoped.select_related("jurisdiction", "owner")
        .annotate(explained_until=latest_overdue_note_subquery())
        .order_by("deadline", "id")[:DIGEST_MAX_ROWS]
    )
    return total, rows
