"""The inspector workspace: inspection notes, flags and review markers. None alters case data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class InspectionNote(models.Model):
    """One append-only note by a discipline inspector on a case (separate from case data)."""

    case = models.ForeignKey(
        "tracker.Case", on_delete=models.PROTECT, related_name="inspection_notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("纪检人员"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(_("检查意见"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("检查意见")
        verbose_name_plural = _("检查意见")

    def __str__(self) -> str:
        return self.text[:50]


class CaseFlag(models.Model):
    """One inspector's flag on a case, open until resolved with a reason."""

    class FlagType(models.TextChoices):
        SHAM_DECOUPLING = "sham_decoupling", _("疑似假脱钩")
        INSUFFICIENT_EVIDENCE = "insufficient_evidence", _("证据不足")
        OVERDUE_EXPLANATION = "overdue_explanation", _("要求说明逾期原因")
        OTHER = "other", _("其他")

    class State(models.TextChoices):
        OPEN = "open", _("未处理")
        RESOLVED = "resolved", _("已处理")

    case = models.ForeignKey("tracker.Case", on_delete=models.PROTECT, related_name="flags")
    flag_type = models.CharField(_("类型"), max_length=30, choices=FlagType.choices)
    description = models.TextField(_("说明"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    raised_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolution = models.TextField(_("处理说明"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("检查标记")
        verbose_name_plural = _("检查标记")

    def __str__(self) -> str:
        return f"{self.get_flag_type_display()}（{self.get_state_display()}）"


class ReviewMarker(models.Model):
    """How far one inspector has reviewed one case's history ("reviewed up to here")."""

    case = models.ForeignKey(
        "tracker.Case", on_delete=models.PROTECT, related_name="review_markers"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_markers"
    )
    reviewed_up_to = models.DateTimeField(_("已审阅至"))
    marked_at = models.DateTimeField(_("标记时间"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("审阅标记")
        verbose_name_plural = _("审阅标记")
        constraints = [
            models.UniqueConstraint(fields=["case", "inspector"], name="review_marker_unique")
        ]

    def __str__(self) -> str:
        return f"{self.inspector} {self.reviewed_up_to:%Y-%m-%d %H:%M}"
