"""The upload form of the import page, its duplicate-policy choices and the importable kinds."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy

from tracker.cases.registry import kinds
from tracker.cases.scoping import (
    EDITOR_ROLES,
    jurisdiction_filter,
    jurisdictions_for,
)
from tracker.imports import services as import_services
from tracker.models import User

POLICY_CHOICES = [
    ("skip", gettext_lazy("跳过重复行（保留已有数据）")),
    ("update", gettext_lazy("用表格内容更新已有事项")),
]


def importable_kinds() -> list:
    return [k for k in kinds() if k.importer is not None]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类别"))
    jurisdiction = forms.ModelChoiceField(
        label=gettext_lazy("行政区划"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("按文件标题中的行政区划"),
    )
    file = forms.FileField(
        label=gettext_lazy("文件"),
        help_text=gettext_lazy("Excel（.xlsx）或 CSV（UTF-8 / GBK 编码均可）"),
    )
    on_duplicate = forms.ChoiceField(
        label=gettext_lazy("遇到重复"),
        choices=POLICY_CHOICES,
        initial="skip",
        widget=forms.RadioSelect,
    )
    defaults = forms.CharField(
        label=gettext_lazy("全文件默认值"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "表中没有该列或该格为空时使用，每行一项“列名=值”，例如：收费类别=行政事业性收费"
        ),
    )
    owner = forms.ModelChoiceField(
        label=gettext_lazy("责任人（全文件）"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("不指定（或按表中“责任人”列）"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.key, k.label) for k in importable_kinds()]
        scope = jurisdictions_for(user)
        self.fields["jurisdiction"].queryset = scope
        if user.jurisdiction_id:
            self.fields["jurisdiction"].initial = user.jurisdiction_id
        self.fields["owner"].queryset = (
            User.objects.filter(jurisdiction_filter(user), role__in=EDITOR_ROLES, is_active=True)
            .select_related("jurisdiction")
            .order_by("jurisdiction__code", "username")
        )

    def clean_defaults(self) -> dict[str, str]:
        try:
            return import_services.parse_defaults(self.cleaned_data.get("defaults") or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(import_services.size_message(upload.size))
        return upload
