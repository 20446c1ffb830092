"""Superseded decisions: a decision replaced by a re-decision (回头看：重新决定) is kept here,
as it was, with who replaced it, when, why and by which new document. The case page and the
monthly report show it as superseded; nothing deletes it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.cases.registry import all_disposition_choices


class SupersededDecision(models.Model):
    """One decision of a case as it stood before a re-decision replaced it."""

    case = models.ForeignKey(
        "tracker.Case", on_delete=models.PROTECT, related_name="superseded_decisions"
    )
    disposition = models.CharField(_("原处理决定"), max_length=40, choices=all_disposition_choices)
    decision_doc_no = models.CharField(_("原决定文号"), max_length=100)
    decision_date = models.DateField(_("原决定日期"), null=True, blank=True)
    status_before = models.CharField(_("重新决定前状态"), max_length=20)
    new_disposition = models.CharField(
        _("新处理决定"), max_length=40, choices=all_disposition_choices
    )
    new_doc_no = models.CharField(_("新决定文号"), max_length=100)
    new_date = models.DateField(_("新决定日期"))
    reason = models.TextField(_("重新决定原因"))
    superseded_at = models.DateTimeField(_("重新决定时间"), default=timezone.now)
    superseded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("重新决定人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-superseded_at", "-id"]
        verbose_name = _("已被取代的决定")
        verbose_name_plural = _("已被取代的决定")

    def __str__(self) -> str:
        return f"{self.decision_doc_no} → {self.new_doc_no}"

    @property
    def disposition_label(self) -> str:
        return self.case.kind_spec.disposition_label(self.disposition)

    @property
    def new_disposition_label(self) -> str:
        return self.case.kind_spec.disposition_label(self.new_disposition)


def superseded_for(case, until=None) -> list[SupersededDecision]:
    """The case's superseded decisions, newest first (as of ``until`` when given): one query."""
    if not case.decision_doc_no:
        return []  # never decided: nothing can have been superseded (a re-decision sets one)
    rows = SupersededDecision.objects.filter(case=case).select_related("superseded_by")
    if until is not None:
        rows = rows.filter(superseded_at__lte=until)
    return list(rows)
