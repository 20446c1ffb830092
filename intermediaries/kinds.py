"""Registers the intermediary item, decoupling and official's post kinds with the core."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from intermediaries import benchdata, demo, report
from intermediaries.forms import DecouplingForm, ItemForm, OfficialPostForm
from intermediaries.importers import FirmImporter, ItemImporter, PostImporter
from intermediaries.models import (
    DecouplingCase,
    DecouplingDisposition,
    IntermediaryItem,
    ItemDisposition,
    OfficialPost,
    PostDisposition,
)
from intermediaries.redflags import FIRM_RULES, ITEM_RULES, POST_RULES
from tracker.cases.registry import CaseKind, DataSetup, MilestoneSpec, register, register_data_setup

ITEM = CaseKind(
    key="item",
    code="ITEM",
    label=_("中介服务事项"),
    stream="A",
    key_milestone="publish",
    report_details=report.item_lines,
    subject_model=IntermediaryItem,
    subject_related_name="intermediary_item",
    dispositions=list(ItemDisposition.choices),
    milestones=[
        MilestoneSpec("self_report", _("摸底申报")),
        MilestoneSpec("review", _("审核论证")),
        MilestoneSpec("consultation", _("征求意见")),
        MilestoneSpec("meeting", _("常务会议审定")),
        MilestoneSpec("publish", _("公布清单")),
        MilestoneSpec("guide", _("部门公开及办事指南修订")),
        MilestoneSpec("follow_up", _("检查回头看"), required=False),
    ],
    form_class=ItemForm,
    importer=ItemImporter(),
    red_flag_rules=ITEM_RULES,
    demo=demo.ITEM_DEMO,
    bench=benchdata.ITEM_BENCH,
)

FIRM = CaseKind(
    key="firm",
    code="FIRM",
    label=_("脱钩改制"),
    stream="B",
    key_milestone="plan",
    report_columns=report.FIRM_COLUMNS,
    report_details=report.firm_lines,
    subject_model=DecouplingCase,
    subject_related_name="decoupling",
    dispositions=list(DecouplingDisposition.choices),
    milestones=[
        MilestoneSpec("listed", _("列入脱钩名单")),
        MilestoneSpec("plan", _("方案批复")),
        MilestoneSpec("audit", _("清产核资审计")),
        MilestoneSpec("staff", _("人员安置")),
        MilestoneSpec("agreement", _("签订脱钩协议")),
        MilestoneSpec("registration", _("登记变更")),
        MilestoneSpec("acceptance", _("五分开核查验收")),
        MilestoneSpec("follow_up", _("回头看"), required=False),
    ],
    form_class=DecouplingForm,
    importer=FirmImporter(),
    red_flag_rules=FIRM_RULES,
    demo=demo.FIRM_DEMO,
    bench=benchdata.FIRM_BENCH,
)

POST = CaseKind(
    key="post",
    code="POST",
    label=_("干部兼职任职"),
    stream="C",
    report_columns=report.POST_COLUMNS,
    report_details=report.post_lines,
    personal=True,
    subject_model=OfficialPost,
    subject_related_name="official_post",
    dispositions=list(PostDisposition.choices),
    milestones=[
        MilestoneSpec("self_report", _("个人申报及承诺")),
        MilestoneSpec("verify", _("单位核实")),
        MilestoneSpec("finding", _("认定")),
        MilestoneSpec("resignation", _("本人提交辞职")),
        MilestoneSpec("firm_change", _("企业完成变更登记")),
        MilestoneSpec("pay_shares", _("退还报酬/退出持股"), required=False),
        MilestoneSpec("filed", _("组织部门备案销号")),
    ],
    form_class=OfficialPostForm,
    importer=PostImporter(),
    red_flag_rules=POST_RULES,
    demo=demo.POST_DEMO,
    bench=benchdata.POST_BENCH,
)


# The approval items and firms the item, firm and post cases point at (demo city, bench province).
DATA_SETUP = DataSetup(
    key="intermediaries",
    demo=demo.setup,
    demo_summary=demo.summary,
    bench=benchdata.setup,
    bench_counts=benchdata.counts,
)


def register_all() -> None:
    for kind in (ITEM, FIRM, POST):
        register(kind)
    register_data_setup(DATA_SETUP)
