"""Deadline writes: overdue explanations (逾期说明) and deadline extensions.

An overdue explanation is an append-only Note of kind "overdue" with a new expected date, so it
shows in the case timeline and history. A deadline extension is a case edit through
``case_update`` (version bump, history row with the reason), and only a reform admin may do it.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.cases.scoping import user_role
from tracker.cases.services import case_update, require_editor, tracked_save
from tracker.cases.workflow import Role
from tracker.models import Case, Note, User


@transaction.atomic
def case_explain_overdue(
    *,
    case: Case,
    by: User,
    text: str,
    expected_date: datetime.date | None,
    today: datetime.date | None = None,
) -> Note:
    """Record why an open case is overdue and when it is now expected to be done."""
    today = today or timezone.localdate()
    require_editor(by, case.jurisdiction)
    current = Case.objects.select_for_update().get(pk=case.pk)
    if not current.is_open:
        raise ValidationError(
            _("该事项已%(status)s，无需填写逾期说明。") % {"status": current.get_status_display()}
        )
    if not current.is_overdue(today):
        raise ValidationError(
            _("该事项尚未逾期（完成时限 %(d)s），无需填写逾期说明。")
            % {"d": current.deadline.isoformat()}
        )
    errors = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = _("请填写逾期原因。")
    if expected_date is None:
        errors["expected_date"] = _("请填写预计完成日期。")
    elif expected_date < today:
        errors["expected_date"] = _(
            "预计完成日期 %(d)s 已经过去，请填写今天（%(t)s）或以后的日期。"
        ) % {
            "d": expected_date.isoformat(),
            "t": today.isoformat(),
        }
    if errors:
        raise ValidationError(errors)
    note = Note(
        case=current, kind=Note.Kind.OVERDUE, text=text, expected_date=expected_date, author=by
    )
    tracked_save(
        note,
        by=by,
        reason=_("逾期说明：预计 %(d)s 完成") % {"d": expected_date.isoformat()},
    )
    return note


def case_extend_deadline(
    *,
    case: Case,
    by: User,
    new_deadline: datetime.date | None,
    reason: str,
    expected_version: int,
    today: datetime.date | None = None,
) -> Case:
    """Move an open case's deadline later: reform admins only, with a reason, as a versioned edit
    (``expected_version``: the version the admin saw; a later change refuses the extension)."""
    today = today or timezone.localdate()
    if user_role(by) != Role.ADMIN:
        raise PermissionDenied(_("只有改革办管理员可以延长完成时限。"))
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("延长完成时限必须填写原因。")
    if new_deadline is None:
        errors["new_deadline"] = _("请填写新的完成时限。")
    if errors:
        raise ValidationError(errors)
    if not case.is_open:
        raise ValidationError(
            _("该事项已%(status)s，不能延长完成时限。") % {"status": case.get_status_display()}
        )
    if new_deadline <= case.deadline:
        raise ValidationError(
            {
                "new_deadline": _("新的完成时限必须晚于原完成时限 %(d)s。")
                % {"d": case.deadline.isoformat()}
            }
        )
    if new_deadline < today:
        raise ValidationError(
            {"new_deadline": _("新的完成时限不能早于今天（%(t)s）。") % {"t": today.isoformat()}}
        )
    return case_update(
        case=case,
        by=by,
        expected_version=expected_version,
        case_fields={"deadline": new_deadline},
        reason=_("延长完成时限：%(old)s → %(new)s。原因：%(reason)s")
        % {"old": case.deadline.isoformat(), "new": new_deadline.isoformat(), "reason": reason},
    )
