"""Spreadsheet column map for fee items (收费目录清单); found through ``CaseKind.importer``."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fees.models import FeeKind, RevenueHandling, SetLevel
from tracker.imports.engine import (
    Column,
    ImportContext,
    KindImporter,
    RowPlan,
    common_case_columns,
)
from tracker.imports.values import (
    Amount,
    AmountProblem,
    is_document,
    parse_amount,
    quantize,
    split_documents,
)

LEVEL_BY_JURISDICTION = {
    "province": "province",
    "city": "city",
    "county": "county",
    "district": "county",
}


class FeeImporter(KindImporter):
    """One row per fee item; duplicates are the same name and department."""

    kind_key = "fee"
    title_column = "name"
    section_columns = ("fee_kind", "department")  # 一、行政事业性收费 / （一）市自然资源局
    title_columns = ("fee_kind",)  # 2026年甲区政府性基金目录清单
    sub_item_column = "sub_items"  # (1)(2) rows under a fee
    columns = [
        Column(
            "name",
            gettext_lazy("收费项目名称"),
            ("收费项目", "项目名称", "名称", "收费名称", "fee", "feename", "name"),
            required=True,
            example="不动产登记费",
        ),
        Column(
            "sub_items",
            gettext_lazy("子项"),
            ("收费子项", "子项目", "subitems"),
            parser="basis",
            example="住宅类不动产登记；非住宅类不动产登记",
        ),
        Column(
            "fee_kind",
            gettext_lazy("收费类别"),
            ("收费类型", "收费性质", "类别", "类型", "category", "feekind"),
            parser="choice",
            choices=FeeKind.choices,
            choice_aliases={
                "行政事业性收费项目": "administrative",
                "经营服务性收费": "gov_priced",
                "政府定价的经营服务性收费": "gov_priced",
                "中介服务": "intermediary",
            },
            required=True,
            example="行政事业性收费",
        ),
        Column(
            "set_level",
            gettext_lazy("设立级次"),
            ("设立级别", "审批级次", "立项级次", "level", "setlevel"),
            parser="choice",
            choices=SetLevel.choices,
            choice_aliases={
                "国家": "central",
                "中央级": "central",
                "省级": "province",
                "市级": "city",
                "县级": "county",
                "区": "county",
                "区级": "county",
            },
            example="中央",
            help=gettext_lazy("不填时按导入的行政区划级别"),
        ),
        Column(
            "collecting_unit",
            gettext_lazy("执收单位"),
            ("收费单位", "执收单位名称", "collectingunit"),
            example="区不动产登记中心",
        ),
        Column(
            "revenue_handling",
            gettext_lazy("资金管理方式"),
            ("资金管理", "资金缴库方式", "revenuehandling"),
            parser="choice",
            choices=RevenueHandling.choices,
            choice_aliases={
                "中央国库": "central_treasury",
                "地方国库": "local_treasury",
                "财政专户": "special_account",
            },
            example="缴入地方国库",
        ),
        Column(
            "legal_basis",
            gettext_lazy("收费依据"),
            ("政策依据", "设定依据", "依据", "收费政策依据", "legalbasis", "basis"),
            parser="basis",
            example="财税〔2016〕79号；发改价格规〔2019〕2号",
        ),
        Column("standard", gettext_lazy("收费标准"), ("standard",), example="住宅类每件80元"),
        Column(
            "amount",
            gettext_lazy("标准金额（元）"),
            ("金额", "收费金额", "标准金额", "amount"),
            parser="amount",
            example="80",
        ),
        Column(
            "payer_scope",
            gettext_lazy("缴费对象"),
            ("收费对象", "缴费主体", "payer", "payerscope"),
            example="不动产登记申请人",
        ),
        Column(
            "affects_enterprises",
            gettext_lazy("涉企收费"),
            ("是否涉企", "是否涉企收费", "affectsenterprises", "enterprise"),
            parser="bool",
            example="是",
        ),
        Column(
            "annual_revenue",
            gettext_lazy("年收费额（万元）"),
            ("年收费额", "年收入", "annualrevenue"),
            parser="decimal",
        ),
        Column(
            "basis_and_standard",
            gettext_lazy("收费依据及标准"),
            ("收费依据和标准", "收费标准及依据", "收费政策依据及标准", "basisandstandard"),
            target="extra",
            max_length=2000,
            help=gettext_lazy("依据文件记入收费依据，其余记入收费标准"),
        ),
        *common_case_columns(
            department_header=gettext_lazy("主管部门"),
            department_aliases=("执收部门", "收费部门", "业务主管部门"),
            examples={
                "department": "区自然资源局",
                "disposition": "保留",
                "decision_doc_no": "某财综〔2026〕3号",
                "decision_date": "2026年11月30日",
            },
        ),
    ]

    def complete(self, plan: RowPlan, ctx: ImportContext) -> None:
        """Amount as number + unit (元, 元/件, %) or range; sub-item rows; 收费依据及标准."""
        fields = plan.subject_fields
        combined = plan.extras.get("basis_and_standard")
        if combined:
            documents = [d for d in split_documents(combined) if is_document(d)]
            if documents and not fields.get("legal_basis"):
                fields["legal_basis"] = "\n".join(documents)
            fields.setdefault("standard", combined[:300])
        amount = fields.pop("amount", None)
        if amount is None and fields.get("standard"):
            try:
                amount = parse_amount(fields["standard"])
            except AmountProblem:
                amount = None  # a standard in words (按…的 3% 收取): kept as text only
        if plan.sub_rows:
            lines = [fields["sub_items"]] if fields.get("sub_items") else []
            lines += [text for _n, text in plan.sub_rows]
            fields["sub_items"] = "\n".join(lines)
            if amount is None:
                amount = _span(text for _n, text in plan.sub_rows)
        if amount is not None:
            fields["amount"] = quantize(amount.exact) if amount.unit == "元" else None
            fields["amount_min"] = quantize(amount.low, "0.0001")
            fields["amount_max"] = quantize(amount.high, "0.0001")
            fields["amount_unit"] = amount.unit
            plan.resolved.append((_("标准金额"), amount.describe(), _("按单位换算为元")))

    def create_defaults(self, plan: RowPlan, ctx: ImportContext) -> dict:
        """A new fee without 设立级次 takes the level of the jurisdiction it is imported into."""
        level = LEVEL_BY_JURISDICTION.get(ctx.jurisdiction.level)
        return {"set_level": level} if level else {}


def _span(texts):
    """The range over the sub-items' amounts (one unit only), or None."""
    amounts = []
    for text in texts:
        tail = text.split("：")[-1]
        try:
            amounts.append(parse_amount(tail))
        except AmountProblem:
            continue
    units = {a.unit for a in amounts}
    if not amounts or len(units) != 1:
        return None
    lows = [a.low for a in amounts if a.low is not None]
    highs = [a.high for a in amounts if a.high is not None]
    return Amount(min(lows) if lows else None, max(highs) if highs else None, units.pop())
