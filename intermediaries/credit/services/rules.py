"""Scoring rule versions: a new version is published, never edited."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from intermediaries.credit.models import (
    ScoringRule,
)
from intermediaries.credit.services.records import (
    _require_admin,
    catalogue_ensure,
)
from tracker.cases.services import require_reason, tracked_save
from tracker.models import User

# --- scoring rules -------------------------------------------------------------------------


@transaction.atomic
def rule_publish(
    *,
    by: User,
    name: str,
    doc_no: str,
    effective_from: datetime.date,
    bands: list[dict],
    reason: str,
    base_score: int = 100,
    points: dict[str, int] | None = None,
    decay: str = "none",
    abnormal_below: int | None = None,
    black_below: int | None = None,
    abnormal_kinds: list[str] | None = None,
    black_kinds: list[str] | None = None,
    repair_days: int = 365,
) -> ScoringRule:
    """A new version of the scoring rule, in force from ``effective_from`` (today or later: a
    version never reaches back, so grades already given stay as they were)."""
    _require_admin(by)
    reason = require_reason(reason)
    catalogue_ensure(by=by)
    if effective_from < timezone.localdate():
        raise ValidationError(
            {"effective_from": _("新版本的施行日期不能早于今天：已作出的评级不得追溯改变。")}
        )
    latest = ScoringRule.objects.select_for_update().order_by("-version").first()
    if latest is not None and effective_from < latest.effective_from:
        raise ValidationError(
            {
                "effective_from": _("施行日期不能早于上一版本（v%(v)d，%(d)s）。")
                % {"v": latest.version, "d": latest.effective_from.isoformat()}
            }
        )
    top = ScoringRule.objects.aggregate(m=Max("version"))["m"] or 0
    rule = ScoringRule(
        version=top + 1,
        name=name,
        doc_no=(doc_no or "").strip(),
        effective_from=effective_from,
        base_score=base_score,
        points=points or {},
        decay=decay,
        bands=bands,
        abnormal_below=abnormal_below,
        black_below=black_below,
        abnormal_kinds=abnormal_kinds or [],
        black_kinds=black_kinds or [],
        repair_days=repair_days,
        reason=reason,
        created_by=by,
    )
    tracked_save(rule, by=by, reason=reason)
    return rule
