"""Monthly progress reports (月报): drafts, and issued reports frozen with their figures and PDF."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class MonthlyReport(models.Model):
    """One monthly report for one jurisdiction subtree and month; frozen once issued."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ISSUED = "issued", _("已印发")

    jurisdiction = models.ForeignKey(
        "tracker.Jurisdiction", verbose_name=_("行政区划"), on_delete=models.PROTECT
    )
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    narrative_progress = models.TextField(_("工作进展"), blank=True)
    narrative_problems = models.TextField(_("存在问题"), blank=True)
    narrative_next = models.TextField(_("下一步工作"), blank=True)
    preparer = models.CharField(_("填报人"), max_length=50, blank=True)
    reviewer = models.CharField(_("审核人"), max_length=50, blank=True)
    # The document (GB/T 9704): issuing office, issue number, optional document number,
    # distribution lines; the leader who signed it off.
    office = models.CharField(_("发文机关"), max_length=100, blank=True)
    issue_no = models.PositiveIntegerField(_("期数"), null=True, blank=True)
    doc_number = models.CharField(_("文号"), max_length=60, blank=True)
    send_to = models.CharField(_("报送"), max_length=300, blank=True)
    copy_to = models.CharField(_("抄送"), max_length=300, blank=True)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("签发时间"), null=True, blank=True)
    # A correction: the issued report it replaces, and why. Both stay readable.
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("更正的月报"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    correction_reason = models.TextField(_("更正原因"), blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    figures = models.JSONField(_("数据"), default=dict, blank=True)
    pdf = models.FileField(_("PDF"), upload_to="reports/%Y/%m/", blank=True, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    chain_head = models.CharField(_("审计链头"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("起草人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("起草时间"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("印发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("印发时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-month", "jurisdiction__code", "-id"]
        verbose_name = _("月报")
        verbose_name_plural = _("月报")
        constraints = [
            # One original issue per month and place; every later issue is a correction of it
            # (and each issued report is corrected at most once: supersedes is one-to-one).
            models.UniqueConstraint(
                fields=["jurisdiction", "month"],
                condition=models.Q(state="issued", supersedes__isnull=True),
                name="report_one_original_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.month:%Y-%m}"

    @property
    def is_issued(self) -> bool:
        return self.state == self.State.ISSUED

    @property
    def stands(self) -> bool:
        """An issued report that no later correction replaces."""
        if not self.is_issued:
            return False
        try:
            return not self.superseded_by.is_issued
        except MonthlyReport.DoesNotExist:
            return True
