"""The write services' shared checks: the tracked save, the reason, editability, the editor's
scope and the owner's scope, and the two refusals (``TransitionRefused``, ``StaleEdit``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from tracker.cases import workflow
from tracker.cases.scoping import jurisdictions_for, user_role, users_who_see
from tracker.cases.validators import refuse_id_numbers, validate_no_id_number
from tracker.cases.workflow import Role
from tracker.models import Case, Jurisdiction, User


class TransitionRefused(Exception):
    """A status change that the workflow does not allow now; the message says why."""


class StaleEdit(Exception):
    """Someone else saved the case after this form was loaded."""

    def __init__(self, message: str, changes: list[str] | None = None):
        super().__init__(message)
        self.changes = changes or []


def tracked_save(obj: models.Model, *, by: User | None, reason: str, clean: bool = True) -> None:
    """full_clean() then save() with the history user and change reason attached; no text
    field (nor the reason) may hold a citizen ID number, whatever the caller checked."""
    if clean:
        obj.full_clean()
    refuse_id_numbers(obj)
    validate_no_id_number(reason)
    obj._history_user = by
    obj._change_reason = reason
    obj.save()


def require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写原因。"))
    validate_no_id_number(reason)
    return reason


def require_editable(case: Case) -> None:
    """The workflow decides which statuses are read-only; every write service asks it here."""
    problem = workflow.edit_refusal(case.status)
    if problem:
        raise ValidationError(problem)


def require_editor(user: User, jurisdiction: Jurisdiction) -> None:
    """Only staff and admins write, and only inside their own subtree."""
    if user_role(user) not in (Role.STAFF, Role.ADMIN):
        raise PermissionDenied(_("您的角色不能修改台账。"))
    if not jurisdictions_for(user).filter(pk=jurisdiction.pk).exists():
        raise PermissionDenied(_("该行政区划不在您的管辖范围内。"))


def owner_choices(jurisdiction: Jurisdiction):
    """Who may be a case's 责任人 (owner): an active editor who can see the case (homed at its
    jurisdiction or above). The form offers these; case_create and case_update refuse others."""
    return users_who_see(jurisdiction).filter(role__in=workflow.EDITORS).order_by("username")


def require_owner_in_scope(case: Case) -> None:
    if case.owner_id and not owner_choices(case.jurisdiction).filter(pk=case.owner_id).exists():
        raise ValidationError(
            {"owner": _("责任人必须是能查看该事项的在职工作人员或管理员（本级或上级行政区划）。")}
        )
