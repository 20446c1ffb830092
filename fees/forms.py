"""Subject form for fee items."""

from __future__ import annotations

from django import forms

from fees.models import FeeItem
from tracker.cases.forms import IdNumberFreeFormMixin
from tracker.models import Jurisdiction


class FeeItemForm(IdNumberFreeFormMixin, forms.ModelForm):
    class Meta:
        model = FeeItem
        fields = [
            "name",
            "sub_items",
            "fee_kind",
            "set_level",
            "collecting_unit",
            "revenue_handling",
            "legal_basis",
            "standard",
            "amount",
            "payer_scope",
            "affects_enterprises",
            "annual_revenue",
        ]
        widgets = {
            "sub_items": forms.Textarea(attrs={"rows": 2}),
            "legal_basis": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, jurisdiction: Jurisdiction | None = None, **kwargs):
        super().__init__(*args, **kwargs)
