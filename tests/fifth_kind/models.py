from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class PermitItem(models.Model):
    """One permit-like thing under clean-up (a kind the core has never heard of)."""

    case = models.OneToOneField(
        "tracker.Case", on_delete=models.PROTECT, related_name="permit_item"
    )
    name = models.CharField(_("许可名称"), max_length=200)
    issuer = models.CharField(_("发证单位"), max_length=200, blank=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return self.name

    def case_title(self) -> str:
        return self.name
