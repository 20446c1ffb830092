"""Audit chain models: the head, the links, verification runs and witnessed heads."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


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


class ChainWitness(models.Model):
    """A head of the audit chain as seen by a verification, an issued report, a catalogue
    edition, an archive or a daily reminders run, with an HMAC under a key kept outside the
    database (``AUDIT_WITNESS_KEY``). Append-only: ``verify_audit`` fails when the chain no
    longer holds the witnessed head at its sequence, or the HMAC does not match."""

    class Source(models.TextChoices):
        VERIFICATION = "verification", _("审计校验")
        REPORT = "report", _("印发月报")
        CATALOGUE = "catalogue", _("目录发布")
        ARCHIVE = "archive", _("归档导出")
        REMINDERS = "reminders", _("每日提醒")

    seq = models.PositiveBigIntegerField(_("序号"))
    head = models.CharField(_("链头哈希"), max_length=64)
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    reference = models.CharField(_("编号"), max_length=200, blank=True)
    hmac = models.CharField(_("校验码"), max_length=64)

    class Meta:
        ordering = ["id"]
        verbose_name = _("审计链见证")
        verbose_name_plural = _("审计链见证")

    def __str__(self) -> str:
        return f"#{self.pk} {self.source} {self.reference} seq {self.seq}"


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
