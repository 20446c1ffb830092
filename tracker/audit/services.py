"""Writes of the inspector workspace and the read log. None of them touches case data.

Inspection notes are append-only, flags are raised and resolved (with who and why), review
markers say how far an inspector has read a case's history. Every write goes through
``tracked_save`` so it has history and enters the audit chain like any other change.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.cases.scoping import jurisdictions_for, user_role
from tracker.cases.services import tracked_save
from tracker.cases.workflow import Role
from tracker.models import AccessLog, Case, CaseFlag, InspectionNote, ReviewMarker, User


def require_inspector(user: User, case: Case) -> None:
    """Only discipline inspectors write the workspace, and only on cases in their scope."""
    if user_role(user) != Role.INSPECTOR:
        raise PermissionDenied(_("只有纪检监察人员可以进行此操作。"))
    if not jurisdictions_for(user).filter(pk=case.jurisdiction_id).exists():
        raise PermissionDenied(_("该事项不在您的管辖范围内。"))


def _required_text(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(message)
    return text


@transaction.atomic
def inspection_note_add(*, case: Case, by: User, text: str) -> InspectionNote:
    """Append an inspection note to a case; notes are never edited or deleted."""
    require_inspector(by, case)
    note = InspectionNote(case=case, author=by, text=_required_text(text, _("检查意见不能为空。")))
    tracked_save(note, by=by, reason=_("添加检查意见"))
    return note


@transaction.atomic
def case_flag_raise(*, case: Case, by: User, flag_type: str, description: str) -> CaseFlag:
    """Raise a flag on a case (sham decoupling, insufficient evidence, overdue, other)."""
    require_inspector(by, case)
    if flag_type not in CaseFlag.FlagType.values:
        raise ValidationError(_("未知的标记类型：%(v)s") % {"v": flag_type})
    flag = CaseFlag(
        case=case,
        flag_type=flag_type,
        description=_required_text(description, _("请填写标记说明。")),
        raised_by=by,
    )
    tracked_save(flag, by=by, reason=_("提出检查标记：%(t)s") % {"t": flag.get_flag_type_display()})
    return flag


@transaction.atomic
def case_flag_resolve(*, flag: CaseFlag, by: User, resolution: str) -> CaseFlag:
    """Resolve an open flag, recording who resolved it, when and why."""
    current = CaseFlag.objects.select_for_update().select_related("case").get(pk=flag.pk)
    require_inspector(by, current.case)
    if current.state != CaseFlag.State.OPEN:
        raise ValidationError(_("该标记已处理，不能重复处理。"))
    current.resolution = _required_text(resolution, _("请填写处理说明。"))
    current.state = CaseFlag.State.RESOLVED
    current.resolved_by = by
    current.resolved_at = timezone.now()
    tracked_save(current, by=by, reason=_("处理检查标记：%(r)s") % {"r": current.resolution[:200]})
    return current


@transaction.atomic
def review_mark(*, case: Case, by: User, up_to: datetime.datetime | None = None) -> ReviewMarker:
    """Set the inspector's "reviewed up to here" marker on a case (default: now)."""
    require_inspector(by, case)
    now = timezone.now()
    up_to = up_to or now
    if up_to > now:
        raise ValidationError(_("审阅标记不能晚于当前时间。"))
    marker = ReviewMarker.objects.select_for_update().filter(
        case=case, inspector=by
    ).first() or ReviewMarker(case=case, inspector=by)
    marker.reviewed_up_to = up_to
    marker.marked_at = now
    tracked_save(
        marker,
        by=by,
        reason=_("审阅至 %(t)s") % {"t": timezone.localtime(up_to).strftime("%Y-%m-%d %H:%M")},
    )
    return marker


def access_log_record(
    *,
    user: User | None,
    action: str,
    target: str,
    reference: str = "",
    query: str = "",
    file_format: str = "",
    row_count: int | None = None,
) -> AccessLog:
    """Record one view or export (personal records, audit exports); the log is append-only."""
    if action not in AccessLog.Action.values:
        raise ValueError(f"unknown access action {action!r}")
    return AccessLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        target=target[:100],
        reference=reference[:60],
        query=query[:2000],
        file_format=file_format[:10],
        row_count=row_count,
    )
