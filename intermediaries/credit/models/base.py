"""What the credit models share: the grade bands and the append-only base."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

BANDS = ("A", "B", "C", "D")


class AppendOnly(models.Model):
    """A row that is written once and never changed (a correction is a new row)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and type(self).objects.filter(pk=self.pk).exists():
            raise ValidationError(_("该记录只能新增，不能修改；如需更正，请新增一条更正记录。"))
        super().save(*args, **kwargs)
