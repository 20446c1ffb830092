"""The column map of officials' post lists (干部兼职任职清理)."""

from __future__ import annotations

import dataclasses

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intermediaries.models import (
    IntermediaryFirm,
    OfficialPost,
    PersonStatus,
    PostDisposition,
    PostType,
    RankBand,
)
from tracker.cases.workflow import Status
from tracker.imports.engine import (
    Column,
    ImportContext,
    KindImporter,
    RowPlan,
    common_case_columns,
    normalize_key,
)
from tracker.models import Case

# --- officials' posts --------------------------------------------------------------------


RANK_ALIASES = {
    "正部级": "provincial",
    "副部级": "provincial",
    "正厅级": "bureau",
    "副厅级": "bureau",
    "正处级": "county",
    "副处级": "county",
    "处级": "county",
    "正科级": "section",
    "副科级": "section",
    "科级": "section",
}
STATUS_ALIASES = {
    "退休不满三年": "retired_under_3",
    "退休未满3年": "retired_under_3",
    "退休满三年": "retired_over_3",
    "退休3年以上": "retired_over_3",
    "离岗未退休": "left_post",
}


class PostImporter(KindImporter):
    """干部兼职任职清理: one row per official's post in a firm. No ID numbers are accepted."""

    kind_key = "post"
    title_column = "firm_name"
    columns = [
        Column(
            "person_ref",
            gettext_lazy("人员内部编号"),
            ("内部编号", "人员编号", "personref", "personid"),
            required=True,
            example="P-0001",
            help=gettext_lazy("内部编号，不得填写身份证号码"),
        ),
        Column(
            "person_name",
            gettext_lazy("姓名"),
            ("人员姓名", "name", "personname"),
            required=True,
            example="张某",
        ),
        Column(
            "employing_unit",
            gettext_lazy("工作单位"),
            ("所在单位", "原工作单位", "employingunit", "unit"),
            required=True,
            example="某区自然资源局",
        ),
        Column(
            "post",
            gettext_lazy("职务"),
            ("现任职务", "原任职务", "post", "position"),
            required=True,
            example="副局长",
        ),
        Column(
            "rank_band",
            gettext_lazy("职级"),
            ("级别", "职级层次", "rank", "rankband"),
            parser="choice",
            choices=RankBand.choices,
            choice_aliases=RANK_ALIASES,
            required=True,
            example="乡科级",
        ),
        Column(
            "person_status",
            gettext_lazy("人员状态"),
            ("身份状态", "在职状态", "personstatus", "status"),
            parser="choice",
            choices=PersonStatus.choices,
            choice_aliases=STATUS_ALIASES,
            required=True,
            example="在职",
        ),
        Column(
            "firm_name",
            gettext_lazy("任职机构名称"),
            ("任职机构", "兼职企业名称", "任职企业", "兼职单位", "企业名称", "firm", "firmname"),
            required=True,
            example="某某测绘有限公司",
        ),
        Column(
            "firm_credit_code",
            gettext_lazy("任职机构统一社会信用代码"),
            ("统一社会信用代码", "企业信用代码", "firmcreditcode", "creditcode"),
            parser="credit_code",
            target="extra",
        ),
        Column(
            "post_type",
            gettext_lazy("任职类型"),
            ("在企业任职", "企业职务", "兼任职务", "任职情况", "posttype"),
            parser="choices",
            choices=PostType.choices,
            help=gettext_lazy("一人在同一机构任多个职务时用顿号分隔，每个职务一条台账"),
            required=True,
            example="董事",
        ),
        Column(
            "paid",
            gettext_lazy("是否取酬"),
            ("取酬", "是否领取报酬", "paid"),
            parser="bool",
            example="否",
        ),
        Column(
            "pay_amount",
            gettext_lazy("报酬金额（元）"),
            ("报酬金额", "取酬金额", "payamount"),
            parser="decimal",
        ),
        Column(
            "pay_returned",
            gettext_lazy("已退还报酬（元）"),
            ("退还报酬", "已退还金额", "payreturned"),
            parser="decimal",
        ),
        Column(
            "shareholding",
            gettext_lazy("是否持股"),
            ("持股", "shareholding"),
            parser="bool",
            example="否",
        ),
        Column(
            "former_area",
            gettext_lazy("属原任职地区或业务范围"),
            ("原任职地区或业务范围", "formerarea"),
            parser="bool",
        ),
        Column(
            "approval_ref",
            gettext_lazy("审批/备案文号"),
            ("审批文号", "备案文号", "approvalref"),
        ),
        Column(
            "held_from",
            gettext_lazy("任职起始"),
            ("任职起始日期", "任职时间", "heldfrom"),
            parser="date",
        ),
        Column("held_to", gettext_lazy("任职终止"), ("任职终止日期", "heldto"), parser="date"),
        Column(
            "firm_change_done",
            gettext_lazy("企业已完成变更登记"),
            ("企业变更登记", "firmchangedone"),
            parser="bool",
        ),
        *(
            dataclasses.replace(
                col,
                parser="dispositions",
                help=gettext_lazy("可填多项，用顿号分隔：第一项为处理决定，其余记为备注"),
            )
            if col.key == "disposition"
            else col
            for col in common_case_columns(
                department_header=gettext_lazy("责任部门"),
                examples={"department": "区委组织部", "deadline": "2026-12-31"},
            )
        ),
    ]

    def expand(self, plan: RowPlan) -> list[RowPlan]:
        """'董事、监事' in one row: one post case per post type, the other cells shared."""
        post_types = plan.subject_fields.get("post_type")
        if not isinstance(post_types, list):
            return [plan]
        plans = []
        for post_type in post_types or [None]:
            copy = dataclasses.replace(
                plan,
                values={**plan.values, "post_type": post_type},
                case_fields=dict(plan.case_fields),
                subject_fields={**plan.subject_fields, "post_type": post_type},
                extras=dict(plan.extras),
                errors=list(plan.errors),
                resolved=list(plan.resolved),
                warnings=[dict(w) for w in plan.warnings],
                unresolved=list(plan.unresolved),
            )
            if post_type is None:
                copy.subject_fields.pop("post_type")
            plans.append(copy)
        return plans

    def complete(self, plan: RowPlan, ctx: ImportContext) -> None:
        dispositions = plan.case_fields.get("disposition")
        if isinstance(dispositions, list):
            plan.case_fields["disposition"] = dispositions[0] if dispositions else ""
            others = [str(dict(PostDisposition.choices)[d]) for d in dispositions[1:]]
            if others:
                plan.extras["remark"] = "\n".join(
                    part
                    for part in (
                        str(plan.extras.get("remark") or ""),
                        _("同时适用的处理决定：%(d)s") % {"d": "、".join(others)},
                    )
                    if part
                )

    def complete_rows(self, plans: list[RowPlan], ctx: ImportContext) -> None:
        for plan in plans:
            self.complete(plan, ctx)
        codes = {p.extras["firm_credit_code"] for p in plans if p.extras.get("firm_credit_code")}
        firms = {
            f.credit_code: f
            for f in IntermediaryFirm.objects.filter(
                jurisdiction=ctx.jurisdiction, credit_code__in=codes
            )
        }
        for plan in plans:
            code = plan.extras.get("firm_credit_code")
            if code and code in firms:
                plan.subject_fields["firm"] = firms[code]

    def title(self, plan: RowPlan) -> str:
        fields = plan.subject_fields
        post_type = dict(PostType.choices).get(fields.get("post_type"), "")
        return (
            f"{fields.get('employing_unit', '')}{fields.get('post', '')} "
            f"在{fields.get('firm_name', '')}任{post_type}"
        )

    def keys(self, plan: RowPlan) -> list[tuple]:
        fields = plan.subject_fields
        return [
            (
                "person",
                normalize_key(fields.get("person_ref")),
                normalize_key(fields.get("firm_name")),
                fields.get("post_type"),
            )
        ]

    def existing(self, ctx: ImportContext) -> dict[tuple, Case]:
        found: dict[tuple, Case] = {}
        qs = (
            Case.objects.filter(kind="post", jurisdiction=ctx.jurisdiction)
            .exclude(status=Status.WITHDRAWN)
            .select_related("official_post")
            .order_by("id")
        )
        for case in qs:
            post: OfficialPost = case.official_post
            key = (
                "person",
                normalize_key(post.person_ref),
                normalize_key(post.firm_name),
                post.post_type,
            )
            found.setdefault(key, case)
        return found
