"""Alerts: in-app notifications to the people who must act on something now.

Used for integrity alerts (a frozen file that no longer matches its record) and 督办 steps.
One notification per user and dedupe key, so a repeated event does not flood anyone.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from tracker.cases.workflow import Role
from tracker.deadlines.models import Notification
from tracker.models import Jurisdiction, User


def people_over(jurisdiction: Jurisdiction | None, roles: Iterable[str]) -> list[User]:
    """Active users of the given roles whose scope covers ``jurisdiction`` (its ancestors'
    users and nationwide users included)."""
    q = Q(jurisdiction__isnull=True)
    if jurisdiction is not None:
        ancestors = [p for p in jurisdiction.path.strip("/").split("/") if p]
        q |= Q(
            jurisdiction__path__in=[
                "/" + "/".join(ancestors[: i + 1]) + "/" for i in range(len(ancestors))
            ]
        )
        q |= Q(jurisdiction=jurisdiction)
    return list(User.objects.filter(q, is_active=True, role__in=list(roles)).order_by("pk"))


def admins_and_inspectors(jurisdiction: Jurisdiction | None) -> list[User]:
    return people_over(jurisdiction, (Role.ADMIN, Role.INSPECTOR))


@transaction.atomic
def notify(
    *,
    users: Iterable[User],
    kind: str,
    subject: str,
    body: str,
    key: str,
    case=None,
) -> int:
    """Write one notification per user (skipping those already sent under ``key``)."""
    created = 0
    for user in users:
        _note, made = Notification.objects.get_or_create(
            dedupe_key=f"{key}:{user.pk}"[:200],
            defaults={
                "user": user,
                "kind": kind,
                "subject": subject[:200],
                "body": body,
                "case": case,
            },
        )
        created += made
    return created
