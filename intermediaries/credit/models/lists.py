"""The abnormal and black lists and the inspectors' links to firms."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from intermediaries.credit.models.records import (
    CreditRecord,
)
from intermediaries.credit.models.rules import (
    ScoringRule,
)


class ListType(models.TextChoices):
    ABNORMAL = "abnormal", _("经营异常名录")
    BLACK = "black", _("黑名单")


class EntryBasis(models.TextChoices):
    RULE_SCORE = "rule_score", _("按规则：得分低于分数线")
    RULE_KIND = "rule_kind", _("按规则：存在规定类别的记录")
    DECISION = "decision", _("按决定")


class ExitBasis(models.TextChoices):
    REPAIR = "repair", _("信用修复期满")
    APPEAL = "appeal", _("申诉（复议）成立")
    DECISION = "decision", _("决定移出")


class ListEntry(models.Model):
    """One firm's stay on the abnormal list or the black list: entry with a decision, the notice
    to the firm, and exit (移出) after the repair period or on appeal, again with a decision."""

    firm = models.ForeignKey(
        "intermediaries.IntermediaryFirm",
        verbose_name=_("中介机构"),
        on_delete=models.PROTECT,
        related_name="list_entries",
    )
    jurisdiction = models.ForeignKey(
        "tracker.Jurisdiction",
        verbose_name=_("行政区划"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    list_type = models.CharField(_("名单"), max_length=10, choices=ListType.choices)
    basis = models.CharField(_("列入依据"), max_length=12, choices=EntryBasis.choices)
    rule = models.ForeignKey(
        ScoringRule,
        verbose_name=_("适用规则版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    trigger_record = models.ForeignKey(
        CreditRecord,
        verbose_name=_("触发记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_no = models.CharField(_("列入决定文号"), max_length=100)
    decision_date = models.DateField(_("列入日期"))
    reason = models.TextField(_("列入事由"))
    evidence = models.TextField(_("证据材料"))
    repair_until = models.DateField(_("信用修复期满日"))
    notice_date = models.DateField(_("告知日期"), null=True, blank=True)
    notice_method = models.CharField(_("告知方式及回执"), max_length=200, blank=True)
    exited_on = models.DateField(_("移出日期"), null=True, blank=True)
    exit_basis = models.CharField(
        _("移出依据"), max_length=10, choices=ExitBasis.choices, blank=True
    )
    exit_decision_no = models.CharField(_("移出决定文号"), max_length=100, blank=True)
    exit_reason = models.TextField(_("移出理由"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-decision_date", "-id"]
        verbose_name = _("名单记录")
        verbose_name_plural = _("名单记录")
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "list_type"],
                condition=models.Q(exited_on__isnull=True),
                name="credit_one_open_entry_per_list",
            )
        ]

    def __str__(self) -> str:
        return f"{self.firm_id} {self.get_list_type_display()} {self.decision_no}"

    def on_list(self, day: datetime.date) -> bool:
        return self.decision_date <= day and (self.exited_on is None or self.exited_on > day)


class InspectorLink(models.Model):
    """Where an inspector works and who they are in the officials' register, so that a draw
    never sends them to a firm they are linked to (same department, an official's post)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("检查人员"),
        on_delete=models.PROTECT,
        related_name="credit_link",
    )
    jurisdiction = models.ForeignKey(
        "tracker.Jurisdiction",
        verbose_name=_("行政区划"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "tracker.Department",
        verbose_name=_("所在部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person_ref = models.CharField(_("人员内部编号"), max_length=40, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("检查人员关联")
        verbose_name_plural = _("检查人员关联")

    def __str__(self) -> str:
        return str(self.user)
