"""The red flags every case raises now, kept as rows so that a province-wide count is one
indexed query. Derived data, recomputed from the audit chain (see ``tracker.redflags.rules``): no
history of its own, and nothing here is ever the only record of anything."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RedFlagHit(models.Model):
    """One rule raised by one case (one row per case and rule)."""

    case = models.ForeignKey("tracker.Case", on_delete=models.CASCADE, related_name="red_flag_hits")
    rule = models.CharField(_("规则"), max_length=40)
    # The case's jurisdiction, copied so that a scope's counts never read the case table (the
    # rows of a case are recomputed whenever the case changes, a move included).
    jurisdiction = models.ForeignKey(
        "tracker.Jurisdiction", on_delete=models.CASCADE, related_name="+"
    )
    # The case's deadline, copied for the same reason (the dashboard lists flagged cases
    # by deadline).
    deadline = models.DateField(_("完成时限"), null=True, blank=True)
    # The flag holds while today < until (rules about dates still ahead); NULL: until the
    # data changes.
    until = models.DateField(_("有效至"), null=True, blank=True)

    class Meta:
        verbose_name = _("红旗预警命中")
        indexes = [
            models.Index(fields=["jurisdiction", "rule", "case"], name="redflag_scope_rule"),
            models.Index(fields=["deadline", "case"], name="redflag_by_deadline"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["case", "rule"], name="redflag_once_per_case_rule")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.rule}"


class RedFlagState(models.Model):
    """How far down the audit chain the red-flag rows have been brought up to date."""

    seq = models.PositiveBigIntegerField(default=0)
    synced_at = models.DateTimeField(null=True, blank=True)
    # The day the rows were computed for: rules about dates still ahead were kept only if
    # they held then, so a clock set back before it means a rebuild.
    day = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("红旗预警同步状态")

    def __str__(self) -> str:
        return f"{self.seq}"
