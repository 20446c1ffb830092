"""Milestone write services: recording that a milestone happened."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.cases.services.common import require_editable, require_editor, tracked_save
from tracker.models import Evidence, Milestone, User


@transaction.atomic
def milestone_complete(
    *,
    milestone: Milestone,
    by: User,
    effective_date: datetime.date,
    doc_no: str = "",
    evidence: Evidence | None = None,
    comment: str = "",
    reason: str = "",
) -> Milestone:
    """Record that a milestone happened: its effective date and a document number or evidence."""
    require_editor(by, milestone.case.jurisdiction)
    # Re-read under a lock: the caller's objects may be stale.
    milestone = Milestone.objects.select_for_update().select_related("case").get(pk=milestone.pk)
    if milestone.done:
        raise ValidationError(_("该节点已完成。"))
    require_editable(milestone.case)
    if not doc_no.strip() and evidence is None:
        raise ValidationError(_("完成节点需填写文号或选择佐证材料。"))
    if evidence is not None and evidence.case_id != milestone.case_id:
        raise ValidationError(_("佐证材料不属于该事项。"))
    if effective_date > timezone.localdate():
        raise ValidationError(_("实际完成日期不能晚于今天。"))
    milestone.done = True
    milestone.effective_date = effective_date
    milestone.doc_no = doc_no.strip()
    milestone.evidence = evidence
    milestone.comment = comment.strip()
    milestone.recorded_by = by
    milestone.recorded_at = timezone.now()
    tracked_save(
        milestone, by=by, reason=reason or _("完成节点：%(name)s") % {"name": milestone.name}
    )
    return milestone
