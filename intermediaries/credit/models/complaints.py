"""Public complaints (投诉举报)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ComplaintSubject(models.TextChoices):
    ITEM = "item", _("中介服务事项")
    FEE = "fee", _("收费项目")
    FIRM = "firm", _("中介机构")
    OTHER = "other", _("其他")


class ComplaintStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已受理，待核查")
    SUBSTANTIATED = "substantiated", _("经核查属实")
    NOT_SUBSTANTIATED = "not_substantiated", _("经核查不属实")
    OUT_OF_SCOPE = "out_of_scope", _("不属于受理范围")


class Complaint(models.Model):
    """One public complaint or report (投诉举报), answered within a deadline. The complainant
    sees it by its tracking code only: status and the published reply, nothing else."""

    tracking_code = models.CharField(_("查询码"), max_length=20, unique=True, editable=False)
    jurisdiction = models.ForeignKey(
        "tracker.Jurisdiction",
        verbose_name=_("被投诉地区"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject_type = models.CharField(
        _("投诉对象类别"), max_length=10, choices=ComplaintSubject.choices
    )
    subject_text = models.CharField(_("投诉对象名称"), max_length=200)
    item = models.ForeignKey(
        "intermediaries.IntermediaryItem",
        verbose_name=_("中介服务事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    fee = models.ForeignKey(
        "fees.FeeItem",
        verbose_name=_("收费项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    firm = models.ForeignKey(
        "intermediaries.IntermediaryFirm",
        verbose_name=_("中介机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    description = models.TextField(_("反映的问题"))
    happened_on = models.DateField(_("发生时间"), null=True, blank=True)
    contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    anonymous = models.BooleanField(_("匿名"), default=False)
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    due_date = models.DateField(_("答复期限"))
    status = models.CharField(
        _("办理状态"),
        max_length=20,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.SUBMITTED,
    )
    reply = models.TextField(_("答复内容"), blank=True)
    replied_on = models.DateField(_("答复日期"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    linked_case = models.ForeignKey(
        "tracker.Case",
        verbose_name=_("关联事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("投诉举报")
        verbose_name_plural = _("投诉举报")
        indexes = [models.Index(fields=["jurisdiction", "status"], name="credit_complaint_scope")]

    def __str__(self) -> str:
        return self.tracking_code

    def is_open(self) -> bool:
        return self.status == ComplaintStatus.SUBMITTED

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.is_open() and self.due_date < (today or timezone.localdate())
