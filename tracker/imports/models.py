"""Spreadsheet imports: each upload, its preview outcome and, when committed, what it changed."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


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
    stored_sha256 = models.CharField(
        _("留存文件 SHA-256"),
        max_length=64,
        blank=True,
        help_text=_("留存的是去除个人信息后的副本时，副本的 SHA-256；sha256 为原文件的。"),
    )
    redacted_columns = models.JSONField(_("已去除的个人信息列"), default=list, blank=True)
    defaults = models.JSONField(
        _("全文件默认值"), default=dict, blank=True, help_text=_("列名 → 值，列为空时使用")
    )
    resolutions = models.JSONField(
        _("预览中的选择"), default=dict, blank=True, help_text=_("名称 → 部门 id（在预览中选定）")
    )
    accepted_warnings = models.JSONField(_("已确认的警告"), default=list, blank=True)
    extra_columns = models.JSONField(
        _("未识别的列"), default=dict, blank=True, help_text=_("表头 → {行号: 内容}，原样保存")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人（全文件）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_state_display()})"


class DepartmentAlias(models.Model):
    """One other name a list may use for a department.

    Either a common short form valid everywhere (``full_form``: 发改委 → 发展和改革委员会, no
    department), or a name saved for one department (``department``), e.g. from the preview.
    """

    alias = models.CharField(_("别名"), max_length=100)
    full_form = models.CharField(
        _("对应的全称写法"),
        max_length=100,
        blank=True,
        help_text=_("通用简称：名称中的这一段等同于哪一段全称（如 发改委 → 发展和改革委员会）"),
    )
    jurisdiction = models.ForeignKey(
        "tracker.Jurisdiction",
        verbose_name=_("行政区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("为空：各地通用"),
    )
    department = models.ForeignKey(
        "tracker.Department",
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="aliases",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["alias"]
        verbose_name = _("部门别名")
        verbose_name_plural = _("部门别名")
        constraints = [
            models.UniqueConstraint(
                fields=["alias", "jurisdiction", "department"], name="department_alias_unique"
            )
        ]

    def __str__(self) -> str:
        target = self.department.name if self.department_id else self.full_form
        return f"{self.alias} → {target}"

    def clean(self) -> None:
        self.alias = (self.alias or "").strip()
        if not self.department_id and not self.full_form.strip():
            raise ValidationError(_("请选择部门，或填写通用简称对应的全称写法。"))
        if self.department_id and self.full_form.strip():
            raise ValidationError(_("指定部门的别名不填写全称写法。"))
        if (
            self.department_id
            and self.jurisdiction_id
            and self.department.jurisdiction_id != self.jurisdiction_id
        ):
            raise ValidationError(
                {
                    "department": _("别名属于%(j)s，但部门“%(d)s”属于%(dj)s。")
                    % {
                        "j": self.jurisdiction.name,
                        "d": self.department.name,
                        "dj": self.department.jurisdiction.name,
                    }
                }
            )
