"""Withdrawals: staff request one with a category and a reason; an admin other than the
requester approves (the case is withdrawn) or refuses (the case goes on). Both are kept."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.cases import workflow
from tracker.cases.scoping import user_role
from tracker.cases.services.cases import case_transition
from tracker.cases.services.common import require_editor, require_reason, tracked_save
from tracker.cases.withdrawals import WithdrawalCategory, WithdrawalRequest, WithdrawalState
from tracker.cases.workflow import Status
from tracker.models import Case, User


def _duplicate_of(case: Case, by: User, reference: str) -> Case:
    """The case a duplicate repeats: named, in the requester's scope, of the same kind, another
    case, and not itself withdrawn."""
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError({"duplicate_of": _("重复登记须填写与之重复的事项编号。")})
    other = Case.objects.restrict(by, "view").filter(reference=reference).first()
    if other is None:
        raise ValidationError(
            {
                "duplicate_of": _("未找到编号为 %(ref)s 的事项（或不在您的管辖范围内）。")
                % {"ref": reference}
            }
        )
    if other.pk == case.pk:
        raise ValidationError({"duplicate_of": _("不能把事项标记为与其自身重复。")})
    if other.kind != case.kind:
        raise ValidationError({"duplicate_of": _("重复的事项须为同一类别。")})
    if other.status == Status.WITHDRAWN:
        raise ValidationError(
            {"duplicate_of": _("重复的事项 %(ref)s 已撤回。") % {"ref": reference}}
        )
    return other


@transaction.atomic
def withdrawal_request(
    *,
    case: Case,
    by: User,
    category: str,
    reason: str,
    duplicate_of: str = "",
    basis: str = "",
) -> WithdrawalRequest:
    """Ask for a case to be withdrawn: the category's own detail checked, nothing else changes."""
    require_editor(by, case.jurisdiction)
    current = Case.objects.select_for_update().get(pk=case.pk)
    if not workflow.may_request_withdrawal(current.status):
        raise ValidationError(
            _("“%(status)s”的事项不能申请撤回。") % {"status": current.get_status_display()}
        )
    if current.withdrawal_requests.filter(state=WithdrawalState.PENDING).exists():
        raise ValidationError(_("该事项已有待审批的撤回申请。"))
    if category not in WithdrawalCategory.values:
        raise ValidationError({"category": _("请选择撤回类别。")})
    request = WithdrawalRequest(
        case=current,
        category=category,
        reason=require_reason(reason),
        requested_by=by,
        basis=(basis or "").strip() if category == WithdrawalCategory.OUT_OF_SCOPE else "",
    )
    if category == WithdrawalCategory.DUPLICATE:
        request.duplicate_of = _duplicate_of(current, by, duplicate_of)
    if category == WithdrawalCategory.OUT_OF_SCOPE and not request.basis:
        raise ValidationError(
            {"basis": _("不属于清理范围的，须写明依据（文件名称、文号或条款）。")}
        )
    tracked_save(request, by=by, reason=_("申请撤回：%(r)s") % {"r": request.reason})
    return request


@transaction.atomic
def withdrawal_decide(
    *, request: WithdrawalRequest, by: User, approve: bool, note: str = ""
) -> WithdrawalRequest:
    """An admin approves (the case is withdrawn, the request's category in the reason) or
    refuses (a note required) a pending request; the requester may not decide their own."""
    locked = WithdrawalRequest.objects.select_for_update().get(pk=request.pk)
    case = locked.case
    if user_role(by) not in workflow.ADMINS:
        raise PermissionDenied(_("只有改革办管理员可以审批撤回申请。"))
    require_editor(by, case.jurisdiction)
    if locked.state != WithdrawalState.PENDING:
        raise ValidationError(_("该撤回申请已审批（%(s)s）。") % {"s": locked.get_state_display()})
    if locked.requested_by_id == by.pk:
        raise ValidationError(_("撤回申请须由申请人以外的管理员审批。"))
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": _("不批准撤回时请写明理由。")})
    locked.state = WithdrawalState.APPROVED if approve else WithdrawalState.REFUSED
    locked.decided_by, locked.decided_at, locked.decision_note = by, timezone.now(), note
    verdict = _("批准撤回申请") if approve else _("不批准撤回申请")
    tracked_save(locked, by=by, reason=f"{verdict}：{note or locked.reason}")
    if approve:
        reason = _("批准撤回（%(category)s）：%(reason)s") % {
            "category": locked.get_category_display(),
            "reason": locked.reason,
        }
        case_transition(case=case, to=Status.WITHDRAWN, by=by, reason=reason, withdrawal=locked)
    return locked
