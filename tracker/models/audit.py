"""Audit chain models: the head, the links and verification runs."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditChainHead(models.Model):
    """The single head of the audit hash chain; locked by every writer so the chain never forks."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("审计链头")

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


class AuditChainEntry(models.Model):
    """One link of the append-only SHA-256 chain over every history row of every tracked model."""

    seq = models.PositiveBigIntegerField(_("序号"), unique=True)
    model = models.CharField(_("历史表"), max_length=100)
    row_id = models.BigIntegerField(_("历史记录号"))
    digest = models.CharField(_("内容摘要"), max_length=64)
    prev_hash = models.CharField(_("前一哈希"), max_length=64)
    hash = models.CharField(_("哈希"), max_length=64)
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("审计链")
        verbose_name_plural = _("审计链")
        indexes = [models.Index(fields=["model", "row_id"], name="auditchain_model_row")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.model}:{self.row_id}"


class AuditVerification(models.Model):
    """One run of verify_audit: when, how many rows, the head, and whether the chain held."""

    ran_at = models.DateTimeField(_("校验时间"), default=timezone.now)
    ok = models.BooleanField(_("结果"))
    rows = models.PositiveBigIntegerField(_("校验行数"))
    head_hash = models.CharField(_("链头哈希"), max_length=64, blank=True)
    message = models.TextField(_("说明"), blank=True)
    seconds = models.FloatField(_("耗时（秒）"), default=0)

    class Meta:
        ordering = ["-ran_at"]
        verbose_name = _("审计校验")
        verbose_name_plural = _("审计校验")

    def __str__(self) -> str:
        return f"{self.ran_at:%Y-%m-%d %H:%M} {'OK' if self.ok else 'BROKEN'}"
