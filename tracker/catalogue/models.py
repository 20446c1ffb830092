"""Published catalogue editions (目录清单): frozen snapshots of retained items or kept fees."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CatalogueEdition(models.Model):
    """One published edition of a catalogue for a jurisdiction; never edited after publishing."""

    kind = models.CharField(_("目录类别"), max_length=10)  # "item" or "fee"
    jurisdiction = models.ForeignKey(
        "tracker.Jurisdiction", verbose_name=_("行政区划"), on_delete=models.PROTECT
    )
    number = models.PositiveIntegerField(_("版次"))
    title = models.CharField(_("标题"), max_length=200)
    effective_date = models.DateField(_("生效日期"))
    entries = models.JSONField(_("目录内容"), default=list)
    added = models.JSONField(_("新增"), default=list, blank=True)
    removed = models.JSONField(_("删除"), default=list, blank=True)
    change_note = models.TextField(_("修订说明"), blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)

    class Meta:
        ordering = ["kind", "jurisdiction__code", "-number"]
        verbose_name = _("目录版本")
        verbose_name_plural = _("目录版本")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "jurisdiction", "number"], name="catalogue_edition_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title}（第{self.number}版）"
