"""Spreadsheet imports: each upload, its preview outcome and, when committed, what it changed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportBatch(models.Model):
    """One uploaded spreadsheet: who, when, the file and its SHA-256, counts and errors."""

    class State(models.TextChoices):
        PREVIEW = "preview", _("待确认")
        COMMITTED = "committed", _("已导入")
        REJECTED = "rejected", _("有错误")
        CANCELLED = "cancelled", _("已取消")

    kind = models.CharField(_("类别"), max_length=10)
    jurisdiction = models.ForeignKey(
        "tracker.Jurisdiction", verbose_name=_("行政区划"), on_delete=models.PROTECT
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.FileField(_("原始文件"), upload_to="imports/%Y/%m/", max_length=200)
    file_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.PREVIEW)
    duplicate_policy = models.CharField(_("重复处理"), max_length=10, default="skip")
    counts = models.JSONField(_("统计"), default=dict, blank=True)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_state_display()})"
