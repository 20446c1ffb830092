"""In-app notifications and e-mail reminders (deadline reminders, overdue digests)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message to one user; the dedupe key makes a daily reminder run idempotent."""

    class Kind(models.TextChoices):
        DUE_30 = "due_30", _("30天内到期")
        DUE_7 = "due_7", _("7天内到期")
        DUE_1 = "due_1", _("明天到期")
        OVERDUE_DIGEST = "overdue_digest", _("逾期汇总")
        INTEGRITY = "integrity", _("文件完整性告警")
        DIRECTIVE = "directive", _("督办")
        OTHER = "other", _("其他")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    case = models.ForeignKey(
        "tracker.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    milestone = models.ForeignKey(
        "tracker.Milestone", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.subject
