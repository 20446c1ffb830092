"""Reads of the inspector workspace and the read log, scoped like everything else."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from tracker.audit import timeline
from tracker.cases import workflow
from tracker.cases.scoping import jurisdiction_filter, user_role
from tracker.cases.workflow import Role
from tracker.models import AccessLog, Case, CaseFlag, InspectionNote, ReviewMarker, User

AUDITORS = workflow.AUDITORS


def can_audit(user: User) -> bool:
    """Inspectors and reform admins read the audit log, inspection notes and the read log."""
    return user_role(user) in AUDITORS


@dataclass
class CaseInspection:
    """What the inspection panel of a case page shows to one user."""

    flags: list[CaseFlag] = field(default_factory=list)
    notes: list[InspectionNote] = field(default_factory=list)
    marker: ReviewMarker | None = None
    new_since_review: int = 0
    access: list[AccessLog] = field(default_factory=list)
    can_write: bool = False
    can_audit: bool = False
    flag_types: Any = None


def case_inspection(case: Case, user: User) -> CaseInspection:
    """Flags for every reader; notes, the review marker and the read log for auditors."""
    panel = CaseInspection(
        flags=list(case.flags.select_related("raised_by", "resolved_by")),
        can_write=user_role(user) == Role.INSPECTOR,
        can_audit=can_audit(user),
        flag_types=CaseFlag.FlagType.choices,
    )
    if not panel.can_audit:
        return panel
    panel.notes = list(case.inspection_notes.select_related("author"))
    panel.access = list(
        AccessLog.objects.filter(reference=case.reference).select_related("user")[:20]
    )
    if panel.can_write:
        panel.marker = ReviewMarker.objects.filter(case=case, inspector=user).first()
        if panel.marker is not None:
            panel.new_since_review = timeline.count_since(
                case, panel.marker.reviewed_up_to, exclude_user=user
            )
    return panel


def review_marker(case: Case, user: User) -> datetime.datetime | None:
    if user_role(user) != Role.INSPECTOR:
        return None
    return (
        ReviewMarker.objects.filter(case=case, inspector=user)
        .values_list("reviewed_up_to", flat=True)
        .first()
    )


def flags_in_scope(user: User, state: str = "") -> QuerySet[CaseFlag]:
    qs = CaseFlag.objects.filter(jurisdiction_filter(user, "case__jurisdiction")).select_related(
        "case", "case__jurisdiction", "raised_by", "resolved_by"
    )
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-raised_at", "-id")


@dataclass
class AccessFilters:
    user: User | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    action: str = ""
    target: str = ""
    reference: str = ""


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def access_log(viewer: User, filters: AccessFilters) -> QuerySet[AccessLog]:
    """Read-log entries by people in the viewer's scope (and the viewer's own)."""
    in_scope = User.objects.filter(jurisdiction_filter(viewer, "jurisdiction")).values("pk")
    qs = AccessLog.objects.filter(user__in=in_scope).select_related("user")
    if filters.user is not None:
        qs = qs.filter(user=filters.user)
    if filters.date_from:
        qs = qs.filter(at__gte=_midnight(filters.date_from))
    if filters.date_to:
        qs = qs.filter(at__lt=_midnight(filters.date_to + datetime.timedelta(days=1)))
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.target:
        qs = qs.filter(target=filters.target)
    if filters.reference.strip():
        qs = qs.filter(reference__icontains=filters.reference.strip())
    return qs.order_by("-at", "-id")


def users_in_scope(viewer: User) -> QuerySet[User]:
    return User.objects.filter(jurisdiction_filter(viewer, "jurisdiction")).order_by("username")
