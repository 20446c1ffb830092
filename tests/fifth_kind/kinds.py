from django import forms

from tests.fifth_kind.models import PermitItem
from tracker.cases.registry import CaseKind, MilestoneSpec, register
from tracker.imports.engine import Column, KindImporter, common_case_columns


class PermitItemForm(forms.ModelForm):
    def __init__(self, *args, jurisdiction=None, **kwargs):
        super().__init__(*args, **kwargs)

    class Meta:
        model = PermitItem
        fields = ["name", "issuer"]


class PermitImporter(KindImporter):
    kind_key = "permit"
    title_column = "name"
    columns = [
        Column("name", "许可名称", ("名称",), required=True, target="subject"),
        Column("issuer", "发证单位", (), target="subject"),
        *common_case_columns(),
    ]


PERMIT = CaseKind(
    key="permit",
    code="PMT",
    label="许可事项",
    stream="E",
    subject_model=PermitItem,
    subject_related_name="permit_item",
    dispositions=[("keep", "保留"), ("drop", "取消")],
    milestones=[MilestoneSpec("check", "核查"), MilestoneSpec("publish", "公布")],
    form_class=PermitItemForm,
    importer=PermitImporter(),
    subject_detail_fields=["name", "issuer"],
)


def register_all() -> None:
    register(PERMIT)
