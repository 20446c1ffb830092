"""The supervision index (firms and agencies to open) and the access-log record of every
supervision page viewed."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from django.db.models import Count, Q

from tracker.audit.services import access_log_record
from tracker.cases.scoping import jurisdictions_for
from tracker.models import AccessLog, Department, User

INDEX_LIMIT = 50


def departments_for(user: User) -> models.QuerySet[Department]:
    """Departments of the user's jurisdiction subtree."""
    return Department.objects.filter(jurisdiction__in=jurisdictions_for(user)).select_related(
        "jurisdiction"
    )


def supervision_index(user: User, q: str = "") -> dict[str, Any]:
    """Firms and agencies to open: matching ``q``, or those with affiliations on record now."""
    from intermediaries.selectors import firms_for

    q = q.strip()
    firms = firms_for(user)
    departments = departments_for(user).annotate(
        affiliated=Count("affiliated_firms", distinct=True)
    )
    if q:
        firms = firms.filter(
            Q(name__icontains=q) | Q(former_names__icontains=q) | Q(credit_code__icontains=q)
        )
        departments = departments.filter(Q(name__icontains=q) | Q(short_name__icontains=q))
    else:
        firms = firms.filter(supervising_agency__isnull=False)
        departments = departments.filter(affiliated__gt=0)
    return {
        "q": q,
        "firms": list(firms.order_by("name", "id")[:INDEX_LIMIT]),
        "departments": list(departments.order_by("jurisdiction__code", "name")[:INDEX_LIMIT]),
        "limit": INDEX_LIMIT,
    }


def log_supervision_view(
    *, user: User, target: str, reference: str, day: datetime.date, rows: int
) -> None:
    """Supervision pages show officials' names: every view is recorded in the access log."""
    access_log_record(
        user=user,
        action=AccessLog.Action.VIEW,
        target=target,
        reference=reference,
        query=f"as_of={day.isoformat()}",
        row_count=rows,
    )
