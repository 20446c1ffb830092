"""Withdrawal requests (撤回申请): a withdrawal is asked for with a category and a reason, and
takes effect only when an admin other than the requester approves it. Every request, approved
or refused, stays on the case (history and chain) for an inspector."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class WithdrawalCategory(models.TextChoices):
    DUPLICATE = "duplicate", _("重复登记（与另一事项重复）")
    OUT_OF_SCOPE = "out_of_scope", _("不属于本轮清理范围")
    ERROR = "error", _("登记错误")


class WithdrawalState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")


class WithdrawalRequest(models.Model):
    """One request to withdraw a case: its category (a duplicate names the case it repeats; out
    of scope names its basis), the reason, and the admin's decision on it."""

    case = models.ForeignKey(
        "tracker.Case", on_delete=models.PROTECT, related_name="withdrawal_requests"
    )
    category = models.CharField(_("撤回类别"), max_length=20, choices=WithdrawalCategory.choices)
    duplicate_of = models.ForeignKey(
        "tracker.Case",
        verbose_name=_("重复的事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    basis = models.CharField(_("不属于清理范围的依据"), max_length=300, blank=True)
    reason = models.TextField(_("撤回原因"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    state = models.CharField(
        _("审批状态"),
        max_length=20,
        choices=WithdrawalState.choices,
        default=WithdrawalState.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("撤回申请")
        verbose_name_plural = _("撤回申请")
        constraints = [
            # At most one request waits for a decision per case.
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(state=WithdrawalState.PENDING),
                name="one_pending_withdrawal_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_category_display()} {self.get_state_display()}"


def pending_withdrawals(cases):
    """The requests waiting for a decision on ``cases`` (a scoped queryset), oldest first."""
    return (
        WithdrawalRequest.objects.filter(state=WithdrawalState.PENDING, case__in=cases)
        .select_related("case", "case__jurisdiction", "requested_by", "duplicate_of")
        .order_by("requested_at", "id")
    )


def withdrawal_requests_for(case) -> list[WithdrawalRequest]:
    """The case's withdrawal requests, newest first, with their people and duplicate: one query."""
    rows = WithdrawalRequest.objects.filter(case=case).select_related(
        "requested_by", "decided_by", "duplicate_of"
    )
    return list(rows)
