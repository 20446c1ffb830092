"""Registers the fee item kind with the core."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fees import benchdata, demo, report
from fees.forms import FeeItemForm
from fees.importers import FeeImporter
from fees.models import FeeDisposition, FeeItem
from fees.redflags import FEE_RULES
from tracker.cases.registry import CaseKind, MilestoneSpec, register

FEE = CaseKind(
    key="fee",
    code="FEE",
    label=_("收费项目"),
    stream="D",
    report_columns=report.FEE_COLUMNS,
    report_details=report.fee_lines,
    subject_model=FeeItem,
    subject_related_name="fee_item",
    dispositions=list(FeeDisposition.choices),
    milestones=[
        MilestoneSpec("inventory", _("清理申报")),
        MilestoneSpec("legality", _("合法性审查")),
        MilestoneSpec("proposal", _("处理意见")),
        MilestoneSpec("finance_review", _("财政价格部门审核")),
        MilestoneSpec("approval", _("政府批准")),
        MilestoneSpec("catalogue", _("目录公布")),
        MilestoneSpec("stopped", _("停止收费"), required=False),
        MilestoneSpec("notice", _("公告与检查"), required=False),
    ],
    form_class=FeeItemForm,
    importer=FeeImporter(),
    red_flag_rules=FEE_RULES,
    demo=demo.FEE_DEMO,
    bench=benchdata.FEE_BENCH,
)


def register_all() -> None:
    register(FEE)
