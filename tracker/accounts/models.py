"""Second-factor resets: who reset whose devices, when and why (the audit of a lost phone)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class SecondFactorReset(models.Model):
    """One reset of a user's second factor by another reform admin, with the reason."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.PROTECT, related_name="+"
    )
    reset_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("重置人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("原因"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    devices = models.PositiveSmallIntegerField(_("停用设备数"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("双因素重置")
        verbose_name_plural = _("双因素重置")

    def __str__(self) -> str:
        return f"{self.user} {self.at:%Y-%m-%d %H:%M}"
