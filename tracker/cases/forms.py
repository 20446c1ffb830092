"""Core forms: case fields, transitions, milestones, evidence and notes."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.cases import workflow
from tracker.cases.scoping import jurisdictions_for
from tracker.cases.services import owner_choices
from tracker.cases.validators import ID_NUMBER_MESSAGE, find_id_numbers
from tracker.cases.withdrawals import WithdrawalCategory
from tracker.cases.workflow import Status
from tracker.models import Case, Department, Evidence, Jurisdiction, Milestone, User


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class IdNumberFreeFormMixin:
    """Every text a form accepts (and an upload's file name) is checked for a citizen ID
    number, however disguised, by the one detector (validators.find_id_numbers); the write
    services refuse it again, so this is only the early, field-level message."""

    def clean(self):
        data = super().clean()
        for name, value in list(data.items()):
            text = value if isinstance(value, str) else getattr(value, "name", None)
            if isinstance(text, str) and find_id_numbers(text):
                self.add_error(name, ID_NUMBER_MESSAGE)
        return data


class ScopedFormMixin(IdNumberFreeFormMixin):
    """Forms whose choices depend on the jurisdiction in hand."""

    def limit_departments(self, field: str, jurisdiction: Jurisdiction | None) -> None:
        if field in self.fields:
            qs = Department.objects.select_related("jurisdiction")
            self.fields[field].queryset = (
                qs.filter(jurisdiction=jurisdiction) if jurisdiction else qs.none()
            )


class CaseForm(ScopedFormMixin, forms.ModelForm):
    """The fields every case has, whatever its kind."""

    reason = forms.CharField(
        label=_("修改原因"), max_length=500, required=False, widget=forms.TextInput()
    )

    class Meta:
        model = Case
        fields = ["department", "owner", "registered_on", "deadline"]
        widgets = {"registered_on": DateInput(), "deadline": DateInput()}

    def __init__(self, *args, jurisdiction: Jurisdiction, user: User, editing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_departments("department", jurisdiction)
        self.fields["department"].required = True
        # Asked of the service that enforces it: only users who can see the case.
        self.fields["owner"].queryset = owner_choices(jurisdiction)
        self.fields["reason"].required = editing
        if not editing:
            del self.fields["reason"]
            self.fields["owner"].initial = user.pk
        if editing:
            # The registration date is history: it is not edited after creation.
            self.fields["registered_on"].disabled = True

    def clean(self):
        data = super().clean()
        reg, deadline = data.get("registered_on"), data.get("deadline")
        if reg and deadline and deadline < reg:
            self.add_error("deadline", _("完成时限不能早于登记日期。"))
        return data


class JurisdictionChoiceForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(label=_("行政区划"), queryset=Jurisdiction.objects.none())

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = jurisdictions_for(user)
        if user.jurisdiction_id:
            self.fields["jurisdiction"].initial = user.jurisdiction_id


class TransitionForm(IdNumberFreeFormMixin, forms.Form):
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 3}))
    disposition = forms.ChoiceField(label=_("处理决定"), required=False)
    decision_doc_no = forms.CharField(label=_("决定文号"), max_length=100, required=False)
    decision_date = forms.DateField(label=_("决定日期"), required=False, widget=DateInput())

    def __init__(self, *args, case: Case, target: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.deciding = target == Status.DECIDED
        self.redeciding = False
        if self.deciding:
            self.fields["disposition"].choices = [("", "---------")] + list(
                case.kind_spec.dispositions
            )
            # A re-decision (回头看) starts from a blank document: the old one is superseded.
            self.redeciding = workflow.is_redecision(case.status, target)
            if not self.redeciding:
                self.fields["disposition"].initial = case.disposition
                self.fields["decision_doc_no"].initial = case.decision_doc_no
                self.fields["decision_date"].initial = case.decision_date
            for name in ("disposition", "decision_doc_no", "decision_date"):
                self.fields[name].required = True
        else:
            for name in ("disposition", "decision_doc_no", "decision_date"):
                del self.fields[name]

    def clean_decision_date(self):
        value = self.cleaned_data.get("decision_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("决定日期不能晚于今天。"))
        return value


class MilestoneCompleteForm(IdNumberFreeFormMixin, forms.Form):
    effective_date = forms.DateField(label=_("实际完成日期"), widget=DateInput())
    doc_no = forms.CharField(label=_("文号"), max_length=100, required=False)
    evidence = forms.ModelChoiceField(
        label=_("佐证材料"), queryset=Evidence.objects.none(), required=False
    )
    comment = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, milestone: Milestone, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = Evidence.objects.filter(
            case_id=milestone.case_id, superseded_by__isnull=True
        )
        self.fields["effective_date"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if not (data.get("doc_no") or "").strip() and not data.get("evidence"):
            raise forms.ValidationError(_("完成节点需填写文号或选择佐证材料。"))
        eff = data.get("effective_date")
        if eff and eff > timezone.localdate():
            self.add_error("effective_date", _("实际完成日期不能晚于今天。"))
        return data


class EvidenceForm(IdNumberFreeFormMixin, forms.Form):
    title = forms.CharField(label=_("材料名称"), max_length=200)
    doc_no = forms.CharField(label=_("文号"), max_length=100, required=False)
    issuing_body = forms.CharField(label=_("发文单位"), max_length=100, required=False)
    effective_date = forms.DateField(label=_("成文/生效日期"), required=False, widget=DateInput())
    milestone = forms.ModelChoiceField(
        label=_("对应进度节点"), queryset=Milestone.objects.none(), required=False
    )
    file = forms.FileField(label=_("文件"), required=False)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestone"].queryset = Milestone.objects.filter(case=case)
        self.fields["file"].help_text = _("PDF、图片、Office 文档或 OFD，不超过 %(mb)d MB。") % {
            "mb": settings.EVIDENCE_MAX_BYTES // 1048576
        }

    def clean(self):
        data = super().clean()
        if not data.get("file") and not (data.get("doc_no") or "").strip():
            raise forms.ValidationError(_("请上传文件或填写文号。"))
        return data


class SupersedeForm(IdNumberFreeFormMixin, forms.Form):
    replacement = forms.ModelChoiceField(label=_("替换为"), queryset=Evidence.objects.none())
    reason = forms.CharField(label=_("替换原因"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, evidence: Evidence, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replacement"].queryset = Evidence.objects.filter(
            case_id=evidence.case_id, superseded_by__isnull=True
        ).exclude(pk=evidence.pk)


class NoteForm(IdNumberFreeFormMixin, forms.Form):
    text = forms.CharField(
        label=_("备注"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("备注内容不能为空。")},
    )


# What a case edit may change on the case itself (page and API alike); the rest is the subject.
EDITABLE_CASE_FIELDS = ("department", "owner", "deadline")


def split_subject(spec, cleaned: dict) -> tuple[dict, dict]:
    """A subject form's cleaned data as (plain fields, many-to-many fields) for the services."""
    fields = spec.subject_model._meta
    plain = {k: v for k, v in cleaned.items() if not fields.get_field(k).many_to_many}
    m2m = {k: v for k, v in cleaned.items() if fields.get_field(k).many_to_many}
    return plain, m2m


def case_update_values(case_form, subject_form, spec) -> dict:
    """The keyword arguments of ``services.case_update`` from an edit's two valid forms."""
    plain, m2m = split_subject(spec, subject_form.cleaned_data)
    cleaned = case_form.cleaned_data
    return {
        "case_fields": {k: cleaned[k] for k in EDITABLE_CASE_FIELDS if k in cleaned},
        "subject_fields": plain,
        "m2m": m2m,
        "reason": cleaned["reason"],
    }


class WithdrawalRequestForm(IdNumberFreeFormMixin, forms.Form):
    """Staff ask for a withdrawal: the category, its detail, and the reason."""

    category = forms.ChoiceField(label=_("撤回类别"), choices=WithdrawalCategory.choices)
    duplicate_of = forms.CharField(
        label=_("重复的事项编号"),
        max_length=40,
        required=False,
        help_text=_("类别为“重复登记”时填写，例如 330102-ITEM-2026-0007。"),
    )
    basis = forms.CharField(
        label=_("不属于清理范围的依据"),
        max_length=300,
        required=False,
        help_text=_("类别为“不属于本轮清理范围”时填写文件名称、文号或条款。"),
    )
    reason = forms.CharField(label=_("撤回原因"), widget=forms.Textarea(attrs={"rows": 3}))


class WithdrawalDecisionForm(IdNumberFreeFormMixin, forms.Form):
    """An admin's decision on a pending request (a refusal gives its reason)."""

    decision = forms.ChoiceField(
        label=_("审批"), choices=[("approve", _("批准撤回")), ("refuse", _("不批准"))]
    )
    note = forms.CharField(
        label=_("审批意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
