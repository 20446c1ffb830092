"""Subject forms for intermediary items, decoupling cases, officials' posts and the firm register."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from intermediaries.models import (
    ApprovalItem,
    DecouplingCase,
    IntermediaryFirm,
    IntermediaryItem,
    OfficialPost,
)
from tracker.cases.forms import DateInput, ScopedFormMixin
from tracker.cases.validators import credit_code_problems
from tracker.cases.workflow import Role
from tracker.models import Jurisdiction


class ItemForm(ScopedFormMixin, forms.ModelForm):
    class Meta:
        model = IntermediaryItem
        fields = [
            "name",
            "approval_items",
            "legal_basis",
            "provider",
            "provider_firm",
            "provider_nature",
            "time_limit",
            "fee_name",
            "fee_standard",
            "fee_basis",
            "pricing",
        ]
        widgets = {
            "legal_basis": forms.Textarea(attrs={"rows": 3}),
            "fee_basis": forms.Textarea(attrs={"rows": 2}),
            "approval_items": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, jurisdiction: Jurisdiction | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approval_items"].queryset = ApprovalItem.objects.filter(
            jurisdiction=jurisdiction
        )
        self.fields["provider_firm"].queryset = IntermediaryFirm.objects.filter(
            jurisdiction=jurisdiction
        )


class DecouplingForm(ScopedFormMixin, forms.ModelForm):
    class Meta:
        model = DecouplingCase
        fields = ["firm", "agency", "affiliation_type", "transition_until", "new_firm"]
        widgets = {"transition_until": DateInput()}

    def __init__(self, *args, jurisdiction: Jurisdiction | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        firms = IntermediaryFirm.objects.filter(jurisdiction=jurisdiction)
        self.fields["firm"].queryset = firms
        self.fields["new_firm"].queryset = firms
        self.limit_departments("agency", jurisdiction)


class OfficialPostForm(ScopedFormMixin, forms.ModelForm):
    class Meta:
        model = OfficialPost
        fields = [
            "person_ref",
            "person_name",
            "employing_unit",
            "employing_department",
            "post",
            "rank_band",
            "person_status",
            "firm",
            "firm_name",
            "post_type",
            "paid",
            "pay_amount",
            "pay_returned",
            "shareholding",
            "former_area",
            "approval_ref",
            "held_from",
            "held_to",
            "firm_change_done",
        ]
        widgets = {"held_from": DateInput(), "held_to": DateInput()}

    def __init__(self, *args, jurisdiction: Jurisdiction | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["firm"].queryset = IntermediaryFirm.objects.filter(jurisdiction=jurisdiction)
        self.limit_departments("employing_department", jurisdiction)
        self.fields["firm_name"].required = False

    def clean(self):
        data = super().clean()
        if not data.get("firm_name") and data.get("firm"):
            data["firm_name"] = data["firm"].name
            self.instance.firm_name = data["firm_name"]
        if not data.get("firm_name"):
            self.add_error("firm_name", _("请选择在册机构或填写任职机构名称。"))
        return data


class FirmForm(ScopedFormMixin, forms.ModelForm):
    """The firm register form; an admin may save a code that fails the check, with a reason."""

    reason = forms.CharField(label=_("修改原因"), max_length=500, required=False)

    class Meta:
        model = IntermediaryFirm
        fields = [
            "name",
            "former_names",
            "credit_code",
            "credit_code_override_reason",
            "legacy_org_code",
            "legacy_reg_no",
            "legal_form",
            "supervising_agency",
            "affiliation_type",
            "service_categories",
            "qualifications",
            "credit_grade",
            "on_dishonesty_list",
            "shares_staff_with_agency",
            "shares_premises_with_agency",
            "successor",
        ]
        widgets = {
            "former_names": forms.Textarea(attrs={"rows": 2}),
            "qualifications": forms.Textarea(attrs={"rows": 2}),
            "credit_code_override_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, jurisdiction: Jurisdiction, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.limit_departments("supervising_agency", jurisdiction)
        self.fields["successor"].queryset = IntermediaryFirm.objects.filter(
            jurisdiction=jurisdiction
        ).exclude(pk=self.instance.pk)
        self.fields["reason"].required = editing
        if not editing:
            del self.fields["reason"]

    def clean(self):
        data = super().clean()
        code = (data.get("credit_code") or "").strip().upper()
        override = (data.get("credit_code_override_reason") or "").strip()
        if code:
            problems = credit_code_problems(code)
            if problems and override and self.user.role != Role.ADMIN:
                self.add_error(
                    "credit_code_override_reason",
                    _("只有改革办管理员可以在代码校验不通过时保存。"),
                )
        return data
