"""Access log: who viewed or exported what (personal records, audit log, lists, reports)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessLog(models.Model):
    """One view or export by one user: a personal record read, an audit export, a list export."""

    class Action(models.TextChoices):
        VIEW = "view", _("查看")
        EXPORT = "export", _("导出")
        DOWNLOAD = "download", _("下载")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    target = models.CharField(_("对象"), max_length=100)  # "case", "audit_log", "case_list", ...
    reference = models.CharField(_("编号"), max_length=60, blank=True, db_index=True)
    query = models.TextField(_("筛选条件"), blank=True)
    file_format = models.CharField(_("格式"), max_length=10, blank=True)
    row_count = models.PositiveIntegerField(_("行数"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("访问记录")
        verbose_name_plural = _("访问记录")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.target} {self.reference}"
