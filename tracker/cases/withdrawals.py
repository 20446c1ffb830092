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


# The list filter and the dashboard read withdrawals the same way: an approved request's
# category, "legacy" for a case withdrawn before requests existed (no approved request), and
# "pending" for a case whose request waits for an admin.
LEGACY = "legacy"
PENDING = "pending"


def withdrawal_filter_choices() -> list[tuple[str, str]]:
    return [
        *WithdrawalCategory.choices,
        (LEGACY, _("早期撤回（无撤回申请，未分类）")),
        (PENDING, _("撤回申请待审批")),
    ]


def _approved(category: str | None = None) -> models.Exists:
    rows = WithdrawalRequest.objects.filter(
        case=models.OuterRef("pk"), state=WithdrawalState.APPROVED
    )
    if category:
        rows = rows.filter(category=category)
    return models.Exists(rows)


def filter_withdrawals(cases, value: str):
    """``cases`` narrowed to one withdrawal reading (see ``withdrawal_filter_choices``)."""
    from tracker.cases.workflow import Status

    if value == PENDING:
        return cases.filter(
            models.Exists(
                WithdrawalRequest.objects.filter(
                    case=models.OuterRef("pk"), state=WithdrawalState.PENDING
                )
            )
        )
    withdrawn = cases.filter(status=Status.WITHDRAWN)
    if value == LEGACY:
        return withdrawn.filter(~_approved())
    if value in WithdrawalCategory.values:
        return withdrawn.filter(_approved(value))
    return cases


def withdrawal_counts(cases) -> dict[str, int]:
    """Withdrawn cases of ``cases`` per category (``LEGACY`` for those without an approved
    request) and the requests waiting (``PENDING``): two grouped queries whatever the scope."""
    from tracker.cases.workflow import Status

    withdrawn = cases.filter(status=Status.WITHDRAWN)
    counts = {value: 0 for value, _label in withdrawal_filter_choices()}
    approved = (
        WithdrawalRequest.objects.filter(state=WithdrawalState.APPROVED, case__in=withdrawn)
        .order_by()
        .values_list("category")
        .annotate(n=models.Count("case_id", distinct=True))
    )
    for category, n in approved:
        counts[category] = n
    total = withdrawn.order_by().count()
    counts[LEGACY] = max(total - sum(counts[c] for c in WithdrawalCategory.values), 0)
    counts[PENDING] = (
        WithdrawalRequest.objects.filter(state=WithdrawalState.PENDING, case__in=cases)
        .order_by()
        .count()
    )
    counts["total"] = total
    return counts
