"""Forms for overdue explanations, deadline extensions and the e-mail reminder setting."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tracker.cases.forms import DateInput, IdNumberFreeFormMixin


class OverdueExplanationForm(IdNumberFreeFormMixin, forms.Form):
    text = forms.CharField(
        label=_("逾期原因"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请填写逾期原因。")},
    )
    expected_date = forms.DateField(
        label=_("预计完成日期"),
        widget=DateInput(),
        error_messages={
            "required": _("请填写预计完成日期。"),
            "invalid": _("日期格式应为 YYYY-MM-DD。"),
        },
    )


class DeadlineExtensionForm(IdNumberFreeFormMixin, forms.Form):
    new_deadline = forms.DateField(
        label=_("新的完成时限"),
        widget=DateInput(),
        error_messages={
            "required": _("请填写新的完成时限。"),
            "invalid": _("日期格式应为 YYYY-MM-DD。"),
        },
    )
    reason = forms.CharField(
        label=_("延期原因"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("延长完成时限必须填写原因。")},
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput(),
        error_messages={"required": _("页面缺少版本号，请刷新页面后重新提交。")},
    )

    def clean(self):
        data = super().clean()
        if "version" in self.errors:  # hidden: show its message at the top of the form
            self.add_error(None, self.errors.pop("version"))
        return data


class EmailReminderForm(forms.Form):
    email_reminders = forms.BooleanField(label=_("接收邮件提醒"), required=False)
