"""Reads for the firm register, scoped by jurisdiction."""

from __future__ import annotations

from django.db import models

from intermediaries.models import IntermediaryFirm
from tracker.cases.scoping import jurisdiction_filter


def firms_for(user) -> models.QuerySet[IntermediaryFirm]:
    """Firms registered in the user's jurisdiction subtree."""
    return IntermediaryFirm.objects.filter(jurisdiction_filter(user)).select_related(
        "jurisdiction", "supervising_agency", "successor"
    )


def firm_context(firm: IntermediaryFirm) -> dict:
    """A firm with its decoupling cases, items it provides, officials' posts and its history."""
    return {
        "firm": firm,
        "decoupling_cases": list(
            firm.decoupling_cases.select_related("case", "agency").order_by("-case_id")
        ),
        "items": list(firm.items_provided.select_related("case", "case__department")),
        "posts": list(firm.official_posts.select_related("case")),
        "history": list(firm.history.select_related("history_user").order_by("-history_date")[:50]),
    }
