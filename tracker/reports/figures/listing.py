"""The report list (selector): which reports a user may see."""

from __future__ import annotations

from tracker.models import MonthlyReport

# --- report list (selector) ----------------------------------------------------------------


def reports_for(user):
    """Reports the user may see: issued ones in scope; drafts too for reform admins and signers."""
    from tracker.cases.scoping import jurisdiction_filter, user_role
    from tracker.cases.workflow import Role

    qs = MonthlyReport.objects.filter(jurisdiction_filter(user, "jurisdiction")).select_related(
        "jurisdiction", "issued_by", "created_by"
    )
    from tracker.reports.services import may_sign

    if user_role(user) != Role.ADMIN and not may_sign(user):
        qs = qs.filter(state=MonthlyReport.State.ISSUED)  # signers read the drafts they sign
    return qs.select_related("signer", "supersedes").prefetch_related("superseded_by")
