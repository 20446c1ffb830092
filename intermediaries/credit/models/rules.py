"""Versioned scoring rules (append-only)."""

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
from intermediaries.credit.models.records import (
    RecordKind,
)


class Decay(models.TextChoices):
    NONE = "none", _("有效期内全额计分")
    LINEAR = "linear", _("有效期内线性递减")


class ScoringRule(AppendOnly):
    """One published version of the scoring rule. Versions are never edited: a change is a new
    version in force from its date, so a grade as of an earlier date keeps the old rule."""

    version = models.PositiveIntegerField(_("版本号"), unique=True)
    name = models.CharField(_("名称"), max_length=200)
    doc_no = models.CharField(_("文号"), max_length=100)
    effective_from = models.DateField(_("施行日期"))
    base_score = models.IntegerField(_("基础分"), default=100)
    # {record kind code: points}; a kind not named counts its catalogue default.
    points = models.JSONField(_("各类记录分值"), default=dict, blank=True)
    decay = models.CharField(
        _("计分方式"), max_length=10, choices=Decay.choices, default=Decay.NONE
    )
    # [{"band": "A", "min": 90, "max": null}, ...]: min inclusive, max exclusive, null unbounded.
    bands = models.JSONField(_("等级区间"))
    abnormal_below = models.IntegerField(
        _("列入经营异常名录分数线"), null=True, blank=True, help_text=_("得分低于此线列入。")
    )
    black_below = models.IntegerField(
        _("列入黑名单分数线"), null=True, blank=True, help_text=_("得分低于此线列入。")
    )
    abnormal_kinds = models.JSONField(_("直接列入经营异常名录的记录类别"), default=list, blank=True)
    black_kinds = models.JSONField(_("直接列入黑名单的记录类别"), default=list, blank=True)
    repair_days = models.PositiveIntegerField(_("信用修复期（天）"), default=365)
    reason = models.TextField(_("修订说明"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-version"]
        verbose_name = _("信用评分规则")
        verbose_name_plural = _("信用评分规则")

    def __str__(self) -> str:
        return f"v{self.version} {self.name}（{self.doc_no}）"

    def clean(self) -> None:
        from intermediaries.credit.scoring import band_problems

        errors = {}
        problems = band_problems(self.bands)
        if problems:
            errors["bands"] = problems
        if not (self.doc_no or "").strip():
            errors["doc_no"] = _("修订评分规则必须填写文号。")
        known = set(RecordKind.objects.values_list("code", flat=True))
        unknown = sorted(
            {*(self.points or {}), *(self.abnormal_kinds or []), *(self.black_kinds or [])} - known
        )
        if unknown:
            errors["points"] = _("未知的记录类别：%(codes)s") % {"codes": "、".join(unknown)}
        for value in (self.points or {}).values():
            if not isinstance(value, int):
                errors["points"] = _("分值必须是整数。")
        if (
            self.abnormal_below is not None
            and self.black_below is not None
            and self.black_below > self.abnormal_below
        ):
            errors["black_below"] = _("黑名单分数线不能高于经营异常名录分数线。")
        if errors:
            raise ValidationError(errors)

    def points_for(self, kind: RecordKind) -> int:
        return int((self.points or {}).get(kind.code, kind.score_effect))
