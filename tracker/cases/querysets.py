"""Custom querysets of the core models: ``CaseQuerySet`` (scoping choke-point, restriction by
action, overdue). Re-exported by ``tracker.cases.models`` and ``tracker.models``."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone

from tracker.cases.workflow import OPEN_STATUSES


class CaseQuerySet(models.QuerySet):
    """Cases, with the one scoping filter every view and selector goes through."""

    def for_user(self, user) -> CaseQuerySet:
        """The scoping choke-point: cases in the user's jurisdiction subtree, nothing else."""
        from tracker.cases.scoping import jurisdiction_filter

        return self.filter(jurisdiction_filter(user, "jurisdiction"))

    def restrict(self, user, action: str = "view") -> CaseQuerySet:
        """Cases ``user`` may ``action`` ("view" or "change"): in scope and with a role allowed
        to; nothing otherwise (after NetBox's RestrictedQuerySet)."""
        from tracker.cases.scoping import may

        return self.for_user(user) if may(user, action) else self.none()

    def overdue(self, today: datetime.date | None = None) -> CaseQuerySet:
        today = today or timezone.localdate()
        return self.filter(status__in=OPEN_STATUSES, deadline__lt=today)
