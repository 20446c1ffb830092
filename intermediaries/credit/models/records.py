"""The record kind catalogue and credit records (append-only; corrections supersede)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from intermediaries.credit.models.base import (
    AppendOnly,
)


class RecordKind(models.Model):
    """One kind of credit record in the catalogue (行政处罚, 表彰, 抽查责令整改 ...) and its
    default score effect and validity."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    score_effect = models.IntegerField(
        _("默认分值影响"), help_text=_("负数扣分，正数加分；评分规则可按版本另行规定。")
    )
    default_validity_days = models.PositiveIntegerField(
        _("默认有效期（天）"), null=True, blank=True, help_text=_("留空表示长期有效。")
    )
    active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("信用记录类别")
        verbose_name_plural = _("信用记录类别")

    def __str__(self) -> str:
        return self.name


class RecordSource(models.TextChoices):
    DOCUMENT = "document", _("文书")
    CASE = "case", _("台账事项")
    SPOT_CHECK = "spot_check", _("双随机抽查")
    COMPLAINT = "complaint", _("投诉举报")
    RED_FLAG = "red_flag", _("红旗预警核实")


class CreditRecord(AppendOnly):
    """One dated, sourced event bearing on one firm's conduct. Never edited: a correction is a
    new record that supersedes it (``supersedes``), and a superseded record no longer counts."""

    firm = models.ForeignKey(
        "intermediaries.IntermediaryFirm",
        verbose_name=_("中介机构"),
        on_delete=models.PROTECT,
        related_name="credit_records",
    )
    # The firm's jurisdiction when the record was made: the scope it is read in.
    jurisdiction = models.ForeignKey(
        "tracker.Jurisdiction",
        verbose_name=_("行政区划"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.ForeignKey(
        RecordKind, verbose_name=_("记录类别"), on_delete=models.PROTECT, related_name="records"
    )
    effective_date = models.DateField(_("生效日期"))
    expires_on = models.DateField(
        _("失效日期"), null=True, blank=True, help_text=_("自该日起不再计分；留空表示长期有效。")
    )
    source = models.CharField(_("来源"), max_length=20, choices=RecordSource.choices)
    doc_no = models.CharField(_("文号"), max_length=100, blank=True)
    source_case = models.ForeignKey(
        "tracker.Case",
        verbose_name=_("来源事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source_draw = models.ForeignKey(
        "SpotCheckDraw",
        verbose_name=_("来源抽查"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_records",
    )
    source_complaint = models.ForeignKey(
        "Complaint",
        verbose_name=_("来源投诉"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_records",
    )
    evidence = models.TextField(_("证据材料"), blank=True)
    reason = models.TextField(_("录入理由"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("录入时间"), default=timezone.now)
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("更正的记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-effective_date", "-id"]
        verbose_name = _("信用记录")
        verbose_name_plural = _("信用记录")
        indexes = [models.Index(fields=["firm", "effective_date"], name="credit_record_firm_date")]

    def __str__(self) -> str:
        return f"{self.firm_id}:{self.kind_id}@{self.effective_date}"

    def clean(self) -> None:
        errors = {}
        if self.expires_on and self.effective_date and self.expires_on <= self.effective_date:
            errors["expires_on"] = _("失效日期必须晚于生效日期。")
        needed = {
            RecordSource.DOCUMENT: ("doc_no", "doc_no", _("文书来源的记录必须填写文号。")),
            RecordSource.CASE: ("source_case", "source_case_id", _("请选择来源事项。")),
            RecordSource.RED_FLAG: ("source_case", "source_case_id", _("请选择来源事项。")),
            RecordSource.SPOT_CHECK: ("source_draw", "source_draw_id", _("请选择来源抽查。")),
            RecordSource.COMPLAINT: (
                "source_complaint",
                "source_complaint_id",
                _("请选择来源投诉。"),
            ),
        }.get(self.source)
        if needed and not getattr(self, needed[1]):
            errors[needed[0]] = needed[2]
        if self.supersedes_id and self.supersedes.firm_id != self.firm_id:
            errors["supersedes"] = _("只能更正同一机构的记录。")
        if errors:
            raise ValidationError(errors)
