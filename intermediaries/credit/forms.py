"""Forms for credit and supervision. They collect input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from intermediaries.credit.models import (
    CandidateScope,
    CheckResult,
    ComplaintStatus,
    ComplaintSubject,
    Decay,
    EntryBasis,
    ExitBasis,
    ListType,
    RecordKind,
)
from tracker.cases.forms import DateInput
from tracker.models import Jurisdiction, User

TEXTAREA = forms.Textarea(attrs={"rows": 3})


class RecordForm(forms.Form):
    """A credit record entered by staff: kind, dates, document number, evidence, why."""

    kind = forms.ModelChoiceField(
        label=_("记录类别"), queryset=RecordKind.objects.filter(active=True)
    )
    effective_date = forms.DateField(label=_("生效日期"), widget=DateInput())
    expires_on = forms.DateField(
        label=_("失效日期"),
        required=False,
        widget=DateInput(),
        help_text=_("留空则按类别默认有效期。"),
    )
    doc_no = forms.CharField(label=_("文号"), max_length=100)
    evidence = forms.CharField(label=_("证据材料"), widget=TEXTAREA)
    source_case = forms.CharField(
        label=_("来源事项编号"),
        required=False,
        max_length=40,
        help_text=_("可选，如 330102-FIRM-2026-0003"),
    )
    reason = forms.CharField(label=_("录入理由"), widget=TEXTAREA)


class CorrectionForm(forms.Form):
    kind = forms.ModelChoiceField(label=_("更正后的记录类别"), queryset=RecordKind.objects.all())
    effective_date = forms.DateField(label=_("生效日期"), widget=DateInput())
    expires_on = forms.DateField(label=_("失效日期"), required=False, widget=DateInput())
    doc_no = forms.CharField(label=_("更正文号"), max_length=100)
    evidence = forms.CharField(label=_("证据材料"), required=False, widget=TEXTAREA)
    reason = forms.CharField(label=_("更正理由"), widget=TEXTAREA)


def _bound(label):
    return forms.IntegerField(label=label, required=False)


class RuleForm(forms.Form):
    """A new version of the scoring rule. Bands are given as ranges (lower limit inclusive,
    upper exclusive, blank = unbounded) so that an overlap or a gap is caught and named."""

    name = forms.CharField(label=_("规则名称"), max_length=200)
    doc_no = forms.CharField(label=_("文号"), max_length=100)
    effective_from = forms.DateField(label=_("施行日期"), widget=DateInput())
    base_score = forms.IntegerField(label=_("基础分"), initial=100)
    decay = forms.ChoiceField(label=_("计分方式"), choices=Decay.choices)
    a_min = _bound(_("A 级下限"))
    a_max = _bound(_("A 级上限"))
    b_min = _bound(_("B 级下限"))
    b_max = _bound(_("B 级上限"))
    c_min = _bound(_("C 级下限"))
    c_max = _bound(_("C 级上限"))
    d_min = _bound(_("D 级下限"))
    d_max = _bound(_("D 级上限"))
    points = forms.CharField(
        label=_("各类记录分值"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("每行一项：类别代码=分值，例如 penalty=-25；未列出的按类别默认分值。"),
    )
    abnormal_below = forms.IntegerField(label=_("列入经营异常名录分数线"), required=False)
    black_below = forms.IntegerField(label=_("列入黑名单分数线"), required=False)
    abnormal_kinds = forms.ModelMultipleChoiceField(
        label=_("直接列入经营异常名录的记录类别"),
        queryset=RecordKind.objects.all(),
        required=False,
        to_field_name="code",
    )
    black_kinds = forms.ModelMultipleChoiceField(
        label=_("直接列入黑名单的记录类别"),
        queryset=RecordKind.objects.all(),
        required=False,
        to_field_name="code",
    )
    repair_days = forms.IntegerField(label=_("信用修复期（天）"), initial=365, min_value=0)
    reason = forms.CharField(label=_("修订说明"), widget=TEXTAREA)

    def clean_points(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for n, line in enumerate(self.cleaned_data.get("points", "").splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            code, sep, value = line.partition("=")
            try:
                out[code.strip()] = int(value.strip())
            except ValueError:
                raise forms.ValidationError(
                    _("第 %(n)d 行格式应为“类别代码=整数分值”：%(line)s") % {"n": n, "line": line}
                ) from None
            if not sep:
                raise forms.ValidationError(_("第 %(n)d 行缺少“=”。") % {"n": n})
        return out

    def bands(self) -> list[dict]:
        d = self.cleaned_data
        return [
            {"band": b.upper(), "min": d.get(f"{b}_min"), "max": d.get(f"{b}_max")} for b in "abcd"
        ]

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "name": d["name"],
            "doc_no": d["doc_no"],
            "effective_from": d["effective_from"],
            "base_score": d["base_score"],
            "decay": d["decay"],
            "bands": self.bands(),
            "points": d["points"],
            "abnormal_below": d.get("abnormal_below"),
            "black_below": d.get("black_below"),
            "abnormal_kinds": [k.code for k in d.get("abnormal_kinds") or []],
            "black_kinds": [k.code for k in d.get("black_kinds") or []],
            "repair_days": d["repair_days"],
            "reason": d["reason"],
        }


class ListEnterForm(forms.Form):
    list_type = forms.ChoiceField(label=_("名单"), choices=ListType.choices)
    basis = forms.ChoiceField(label=_("列入依据"), choices=EntryBasis.choices)
    decision_no = forms.CharField(label=_("列入决定文号"), max_length=100)
    decision_date = forms.DateField(label=_("列入日期"), widget=DateInput())
    reason = forms.CharField(label=_("列入事由"), widget=TEXTAREA)
    evidence = forms.CharField(label=_("证据材料"), widget=TEXTAREA)


class NoticeForm(forms.Form):
    notice_date = forms.DateField(label=_("告知日期"), widget=DateInput())
    notice_method = forms.CharField(label=_("告知方式及回执"), max_length=200)


class ExitForm(forms.Form):
    basis = forms.ChoiceField(label=_("移出依据"), choices=ExitBasis.choices)
    exit_decision_no = forms.CharField(label=_("移出决定文号"), max_length=100)
    exited_on = forms.DateField(label=_("移出日期"), widget=DateInput())
    reason = forms.CharField(label=_("移出理由"), widget=TEXTAREA)


class PlanForm(forms.Form):
    name = forms.CharField(label=_("计划名称"), max_length=200)
    doc_no = forms.CharField(label=_("文号"), max_length=100, required=False)
    scope = forms.ChoiceField(label=_("抽查对象范围"), choices=CandidateScope.choices)
    category = forms.CharField(label=_("服务类别"), max_length=100, required=False)
    target_jurisdiction = forms.ModelChoiceField(
        label=_("抽查区划"), queryset=Jurisdiction.objects.none(), required=False
    )
    firm_count = forms.IntegerField(label=_("抽取机构数"), min_value=1)
    inspectors_per_firm = forms.IntegerField(label=_("每户检查人员数"), min_value=1, initial=2)
    inspectors = forms.ModelMultipleChoiceField(label=_("检查人员库"), queryset=User.objects.none())
    period_start = forms.DateField(label=_("检查开始日期"), widget=DateInput())
    period_end = forms.DateField(label=_("检查截止日期"), widget=DateInput())

    def __init__(self, *args, jurisdictions=None, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        if jurisdictions is not None:
            self.fields["target_jurisdiction"].queryset = jurisdictions
        if users is not None:
            self.fields["inspectors"].queryset = users


class ResultForm(forms.Form):
    result = forms.ChoiceField(label=_("检查结果"), choices=CheckResult.choices)
    result_date = forms.DateField(label=_("检查日期"), widget=DateInput())
    doc_no = forms.CharField(label=_("文号"), max_length=100, required=False)
    evidence = forms.CharField(label=_("证据材料"), widget=TEXTAREA)


class ComplaintForm(forms.Form):
    """The public complaint form (no login)."""

    jurisdiction = forms.ModelChoiceField(
        label=_("被投诉地区"), queryset=Jurisdiction.objects.order_by("code"), to_field_name="code"
    )
    subject_type = forms.ChoiceField(label=_("投诉对象类别"), choices=ComplaintSubject.choices)
    subject_text = forms.CharField(
        label=_("投诉对象名称"),
        max_length=200,
        help_text=_("可从公开目录中选择，也可直接填写。"),
        widget=forms.TextInput(attrs={"list": "subject-names"}),
    )
    description = forms.CharField(
        label=_("反映的问题"), widget=forms.Textarea(attrs={"rows": 8, "maxlength": 5000})
    )
    happened_on = forms.DateField(label=_("发生时间"), required=False, widget=DateInput())
    contact = forms.CharField(
        label=_("联系方式（选填）"), max_length=100, required=False, help_text=_("匿名投诉可不填。")
    )
    anonymous = forms.BooleanField(label=_("匿名投诉"), required=False)


class TriageForm(forms.Form):
    status = forms.ChoiceField(
        label=_("核查结论"),
        choices=[c for c in ComplaintStatus.choices if c[0] != ComplaintStatus.SUBMITTED],
    )
    reply = forms.CharField(
        label=_("答复内容（将公开给投诉人）"), widget=forms.Textarea(attrs={"rows": 5})
    )
    record_kind = forms.ModelChoiceField(
        label=_("记入信用记录"),
        queryset=RecordKind.objects.filter(active=True),
        required=False,
        to_field_name="code",
    )
    firm = forms.ModelChoiceField(label=_("被投诉机构"), queryset=None, required=False)
    link_case = forms.CharField(label=_("关联已有事项编号"), max_length=40, required=False)
    new_item_case = forms.BooleanField(label=_("新建中介服务事项台账"), required=False)

    def __init__(self, *args, firms=None, **kwargs):
        super().__init__(*args, **kwargs)
        from intermediaries.models import IntermediaryFirm

        self.fields["firm"].queryset = (
            firms if firms is not None else IntermediaryFirm.objects.none()
        )
