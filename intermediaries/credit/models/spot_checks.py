"""Random spot checks (双随机): plans and their draws."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class CandidateScope(models.TextChoices):
    ALL = "all", _("全部在册机构")
    CATEGORY = "category", _("按服务类别")
    JURISDICTION = "jurisdiction", _("按行政区划")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    COMMITTED = "committed", _("已公布随机种子摘要")
    DRAWN = "drawn", _("已抽取")


class SpotCheckPlan(models.Model):
    """One 双随机 plan: which firms may be drawn, how many, which inspectors, in what period.

    At commit the candidate lists are frozen and the SHA-256 of a fresh seed is published;
    the draw then reveals the seed, and anyone can re-run it (``verify_draw``)."""

    jurisdiction = models.ForeignKey(
        "tracker.Jurisdiction",
        verbose_name=_("组织单位所在区划"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("计划名称"), max_length=200)
    doc_no = models.CharField(_("文号"), max_length=100, blank=True)
    scope = models.CharField(_("抽查对象范围"), max_length=15, choices=CandidateScope.choices)
    category = models.CharField(_("服务类别"), max_length=100, blank=True)
    target_jurisdiction = models.ForeignKey(
        "tracker.Jurisdiction",
        verbose_name=_("抽查区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    firm_count = models.PositiveIntegerField(_("抽取机构数"))
    inspectors_per_firm = models.PositiveIntegerField(_("每户检查人员数"), default=2)
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("检查人员库"), related_name="+", blank=True
    )
    period_start = models.DateField(_("检查开始日期"))
    period_end = models.DateField(_("检查截止日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    seed_sha256 = models.CharField(_("随机种子 SHA-256"), max_length=64, blank=True)
    seed = models.CharField(_("随机种子"), max_length=64, blank=True)
    # {"firms": [ids], "inspectors": [ids], "excluded": {"firm id": [inspector ids]}}
    candidates = models.JSONField(_("冻结的候选名单"), default=dict, blank=True)
    candidates_sha256 = models.CharField(_("候选名单 SHA-256"), max_length=64, blank=True)
    committed_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    drawn_at = models.DateTimeField(_("抽取时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords(m2m_fields=[inspectors])

    class Meta:
        ordering = ["-period_start", "-id"]
        verbose_name = _("双随机抽查计划")
        verbose_name_plural = _("双随机抽查计划")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = _("检查截止日期不能早于开始日期。")
        if self.scope == CandidateScope.CATEGORY and not self.category.strip():
            errors["category"] = _("按服务类别抽查时请填写类别。")
        if self.scope == CandidateScope.JURISDICTION and not self.target_jurisdiction_id:
            errors["target_jurisdiction"] = _("按行政区划抽查时请选择区划。")
        if self.firm_count is not None and self.firm_count < 1:
            errors["firm_count"] = _("抽取机构数至少为 1。")
        if self.inspectors_per_firm is not None and self.inspectors_per_firm < 1:
            errors["inspectors_per_firm"] = _("每户检查人员数至少为 1。")
        if errors:
            raise ValidationError(errors)


class CheckResult(models.TextChoices):
    PASSED = "passed", _("合格")
    RECTIFY = "rectify", _("责令整改")
    REFERRED = "referred", _("移交")


class SpotCheckDraw(models.Model):
    """One firm drawn by a plan, the inspectors drawn for it, and the check's result."""

    plan = models.ForeignKey(SpotCheckPlan, on_delete=models.PROTECT, related_name="draws")
    position = models.PositiveIntegerField(_("抽取顺序"))
    firm = models.ForeignKey(
        "intermediaries.IntermediaryFirm",
        verbose_name=_("中介机构"),
        on_delete=models.PROTECT,
        related_name="spot_checks",
    )
    jurisdiction = models.ForeignKey(
        "tracker.Jurisdiction",
        verbose_name=_("行政区划"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    inspector_ids = models.JSONField(_("抽取的检查人员"), default=list)
    result = models.CharField(_("检查结果"), max_length=10, choices=CheckResult.choices, blank=True)
    result_date = models.DateField(_("检查日期"), null=True, blank=True)
    result_doc_no = models.CharField(_("文号"), max_length=100, blank=True)
    evidence = models.TextField(_("证据材料"), blank=True)
    result_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "position"]
        verbose_name = _("抽查对象")
        verbose_name_plural = _("抽查对象")
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="credit_draw_position"),
            models.UniqueConstraint(fields=["plan", "firm"], name="credit_draw_firm_once"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}#{self.position}"

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return not self.result and self.plan.period_end < today
