"""Spreadsheet column maps for intermediary items, decoupling cases (with the firm register)
and officials' posts. The core import machinery (tracker.imports.services) finds them through
``CaseKind.importer``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intermediaries.models import (
    AffiliationType,
    ApprovalItem,
    DecouplingCase,
    IntermediaryFirm,
    IntermediaryItem,
    OfficialPost,
    PersonStatus,
    PostDisposition,
    PostType,
    PricingMethod,
    ProviderNature,
    RankBand,
)
from tracker.cases.services import tracked_save
from tracker.cases.workflow import Status
from tracker.imports import bulk as import_bulk
from tracker.imports.engine import (
    Column,
    ImportContext,
    KindImporter,
    RowPlan,
    common_case_columns,
    normalize_key,
)
from tracker.imports.values import is_document, split_documents
from tracker.models import Case

ITEM_DISPOSITION_ALIASES = {
    "不再作为审批受理条件": "cancel",
    "不再作为受理条件": "cancel",
    "改为技术性服务": "commission",
    "审批部门委托": "commission",
    "申请人自行完成": "applicant_choice",
    "申请人可自行完成": "applicant_choice",
    "申请人自主选择": "applicant_choice",
    "随审批事项一并取消": "cancel_with_approval",
    "不属于中介服务事项": "not_intermediary",
}


# --- intermediary items ------------------------------------------------------------------


class ItemImporter(KindImporter):
    """中介服务事项清单: one row per intermediary item, approval items created as needed."""

    kind_key = "item"
    title_column = "name"
    columns = [
        Column(
            "name",
            gettext_lazy("中介服务事项名称"),
            (
                "名称",
                "事项名称",
                "中介服务事项",
                "中介事项名称",
                "中介服务名称",
                "中介服务项目名称",
                "服务事项名称",
                "item",
                "itemname",
                "name",
                "intermediaryitem",
                "intermediaryservice",
            ),
            required=True,
            example="建设项目环境影响评价文件编制",
        ),
        Column(
            "approval_items",
            gettext_lazy("涉及的审批事项项目名称"),
            (
                "涉及的审批事项",
                "涉及审批事项",
                "涉及的审批事项名称",
                "审批事项",
                "审批事项名称",
                "审批事项项目名称",
                "对应审批事项",
                "approvalitem",
                "approvalitems",
            ),
            parser="names",
            target="extra",
            max_length=200,
            example="建设项目环境影响评价审批",
            help=gettext_lazy("多个审批事项用顿号、分号或换行分隔"),
        ),
        Column(
            "approval_code",
            gettext_lazy("项目编码"),
            ("审批事项编码", "事项编码", "审批事项项目编码", "approvalcode", "itemcode"),
            target="extra",
            max_length=50,
            example="330102-001",
        ),
        Column(
            "department",
            gettext_lazy("审批部门"),
            (
                "审批机关",
                "审批单位",
                "实施部门",
                "部门",
                "部门名称",
                "责任部门",
                "department",
                "approvingdepartment",
            ),
            parser="department",
            required=True,
            target="case",
            example="市生态环境局",
        ),
        Column(
            "legal_basis",
            gettext_lazy("设定依据"),
            ("依据", "设定依据及文号", "政策依据", "法律依据", "legalbasis", "basis"),
            parser="basis",
            example="《中华人民共和国环境影响评价法》第十九条；国办发〔2015〕31号",
            help=gettext_lazy("多个依据文件用顿号、分号或换行分隔"),
        ),
        Column(
            "provider",
            gettext_lazy("中介服务实施机构"),
            ("实施机构", "服务机构", "中介机构", "中介服务机构", "provider"),
            example="具备相应能力的技术单位",
        ),
        Column(
            "provider_nature",
            gettext_lazy("机构性质"),
            ("实施机构性质", "providernature"),
            parser="choice",
            choices=ProviderNature.choices,
            example="企业",
        ),
        Column(
            "time_limit",
            gettext_lazy("服务时限"),
            ("中介服务时限", "办理时限", "timelimit"),
            example="30个工作日",
        ),
        Column(
            "fee_name",
            gettext_lazy("收费项目"),
            ("收费项目名称", "feename", "fee"),
            example="",
        ),
        Column("fee_standard", gettext_lazy("收费标准"), ("feestandard",), example="市场调节"),
        Column(
            "fee_basis",
            gettext_lazy("收费依据"),
            ("feebasis",),
            parser="basis",
        ),
        Column(
            "basis_and_standard",
            gettext_lazy("收费依据及标准"),
            ("收费依据和标准", "收费标准及依据", "basisandstandard"),
            target="extra",
            max_length=2000,
            help=gettext_lazy("依据文件记入收费依据，其余记入收费标准"),
        ),
        Column(
            "pricing",
            gettext_lazy("定价方式"),
            ("收费方式", "定价形式", "价格管理形式", "pricing", "pricingmethod"),
            parser="choice",
            choices=PricingMethod.choices,
            choice_aliases={"市场调节": "market", "免费": "free", "政府定价管理": "government"},
            example="市场调节价",
        ),
        *common_case_columns(
            disposition_aliases=ITEM_DISPOSITION_ALIASES,
            examples={
                "disposition": "保留",
                "decision_doc_no": "某政发〔2026〕12号",
                "decision_date": "2026-11-30",
                "deadline": "2026-12-31",
            },
        ),
    ]

    def complete(self, plan: RowPlan, ctx: ImportContext) -> None:
        combined = plan.extras.get("basis_and_standard")
        if combined:
            fields = plan.subject_fields
            documents = [d for d in split_documents(combined) if is_document(d)]
            if documents and not fields.get("fee_basis"):
                fields["fee_basis"] = "\n".join(documents)
            fields.setdefault("fee_standard", combined[:300])

    def existing(self, ctx: ImportContext) -> dict[tuple, Case]:
        found: dict[tuple, Case] = {}
        qs = (
            Case.objects.filter(kind="item", jurisdiction=ctx.jurisdiction)
            .exclude(status=Status.WITHDRAWN)
            .select_related("intermediary_item")
            .prefetch_related("intermediary_item__approval_items")
            .order_by("id")
        )
        for case in qs:
            found.setdefault(("name", normalize_key(case.title), case.department_id), case)
        return found

    def extra_changes(self, plan: RowPlan, case: Case) -> dict[str, Any]:
        if "approval_items" not in plan.extras:
            return {}
        wanted = plan.extras["approval_items"]
        current = {a.name for a in case.intermediary_item.approval_items.all()}
        if set(wanted) == current:
            return {}
        return {str(_("涉及的审批事项")): wanted}

    def _approval_items(
        self, plans: list[RowPlan], ctx: ImportContext, *, reason: str
    ) -> dict[str, ApprovalItem]:
        """Approval items named in the rows, created (with history) where missing."""
        names = {n for p in plans for n in p.extras.get("approval_items", [])}
        if not names:
            return {}
        known: dict[str, ApprovalItem] = {}
        for item in ApprovalItem.objects.filter(jurisdiction=ctx.jurisdiction, name__in=names):
            known.setdefault(item.name, item)
        new: dict[str, ApprovalItem] = {}
        for plan in plans:
            listed = plan.extras.get("approval_items", [])
            for name in listed:
                if name in known or name in new:
                    continue
                code = plan.extras.get("approval_code", "") if len(listed) == 1 else ""
                new[name] = ApprovalItem(
                    jurisdiction=ctx.jurisdiction,
                    department=plan.case_fields.get("department"),
                    name=name,
                    code=code,
                )
        if new:
            import_bulk.bulk_insert_with_history(
                ApprovalItem, list(new.values()), by=ctx.user, reason=reason
            )
        return {**known, **new}

    def prepare_create(self, plans: list[RowPlan], ctx: ImportContext, *, reason: str) -> None:
        ctx.cache["approval_items"] = self._approval_items(plans, ctx, reason=reason)

    def after_create(self, plans: list[RowPlan], ctx: ImportContext, *, reason: str) -> None:
        """Link approval items; the m2m history rows hang on each item's "+" history row."""
        index = ctx.cache.get("approval_items", {})
        linked = [p for p in plans if p.extras.get("approval_items")]
        if not linked:
            return
        through = IntermediaryItem.approval_items.through
        links = [
            through(intermediaryitem_id=p.subject_obj.pk, approvalitem_id=index[name].pk)
            for p in linked
            for name in dict.fromkeys(p.extras["approval_items"])
        ]
        import_bulk.insert_plain(through, links)
        history_id = {p.subject_obj.pk: p.subject_obj._import_history_id for p in linked}
        import_bulk.insert_chained(
            IntermediaryItem.history.model.approval_items.model,
            [
                {
                    "id": link.pk,
                    "intermediaryitem_id": link.intermediaryitem_id,
                    "approvalitem_id": link.approvalitem_id,
                    "history_id": history_id[link.intermediaryitem_id],
                }
                for link in links
            ],
        )

    def prepare_update(self, plan: RowPlan, ctx: ImportContext, *, reason: str) -> dict:
        if not self.extra_changes(plan, plan.existing):
            return {}
        index = self._approval_items([plan], ctx, reason=reason)
        return {"approval_items": [index[n] for n in plan.extras["approval_items"]]}


# --- decoupling cases and the firm register ------------------------------------------------

# The five separations (五分开, DOMAIN.md §7) and the name check, as lists write them. There is no
# model for the dated checks yet: the cells are kept as written with the import batch
# (ImportBatch.extra_columns) and shown in the preview, not written to the case.
SEPARATIONS = [
    ("sep_staff", gettext_lazy("人员分开"), ("人员是否分开",)),
    ("sep_finance", gettext_lazy("财务分开"), ("财务是否分开",)),
    ("sep_assets", gettext_lazy("资产分开"), ("资产是否分开",)),
    ("sep_functions", gettext_lazy("职能分开"), ("职能是否分开",)),
    ("sep_premises", gettext_lazy("办公场所分开"), ("场所分开", "办公场所是否分开")),
    ("sep_name", gettext_lazy("名称分开"), ("名称是否分开",)),
]
SEPARATION_COLUMNS = [
    Column(
        key,
        header,
        aliases,
        target="extra",
        max_length=200,
        help=gettext_lazy("如：已分开 2026-10-31"),
    )
    for key, header, aliases in SEPARATIONS
]


FIRM_FIELDS = ("name", "credit_code", "legal_form", "service_categories", "qualifications")


class FirmImporter(KindImporter):
    """脱钩改制名单: one row per affiliated firm; the firm register is created or updated too."""

    kind_key = "firm"
    title_column = "firm_name"
    columns = [
        Column(
            "firm_name",
            gettext_lazy("机构名称"),
            (
                "中介机构名称",
                "名称",
                "单位名称",
                "机构全称",
                "企业名称",
                "firm",
                "firmname",
                "name",
            ),
            required=True,
            target="extra",
            max_length=200,
            example="某某工程咨询有限公司",
        ),
        Column(
            "credit_code",
            gettext_lazy("统一社会信用代码"),
            ("信用代码", "社会信用代码", "creditcode", "uscc", "unifiedsocialcreditcode"),
            parser="credit_code",
            target="extra",
            example="91350200776049653A",
        ),
        Column(
            "legal_form",
            gettext_lazy("机构类型"),
            ("机构性质", "单位性质", "单位类型", "legalform"),
            parser="choice",
            choices=IntermediaryFirm.LegalForm.choices,
            choice_aliases={"公司": "enterprise", "民非": "private_nonprofit"},
            target="extra",
            example="企业",
        ),
        Column(
            "agency",
            gettext_lazy("主管/挂靠机关"),
            (
                "挂靠机关",
                "主管机关",
                "主管部门",
                "挂靠部门",
                "挂靠单位",
                "主管单位",
                "业务主管单位",
                "agency",
                "supervisingagency",
            ),
            parser="department",
            required=True,
            example="市住房和城乡建设局",
        ),
        Column(
            "affiliation_type",
            gettext_lazy("挂靠关系"),
            ("挂靠类型", "关系类型", "隶属关系", "affiliation", "affiliationtype"),
            parser="choice",
            choices=AffiliationType.choices,
            required=True,
            example="挂靠",
        ),
        Column(
            "transition_until",
            gettext_lazy("过渡期截止"),
            ("过渡期截止日期", "过渡期限", "transitionuntil"),
            parser="date",
        ),
        Column(
            "service_categories",
            gettext_lazy("服务类别"),
            ("服务范围", "servicecategories"),
            target="extra",
            max_length=300,
            example="工程咨询",
        ),
        Column(
            "qualifications",
            gettext_lazy("资质"),
            ("资质情况", "qualifications"),
            target="extra",
        ),
        Column(
            "legacy_reg_no",
            gettext_lazy("注册号"),
            ("工商注册号", "营业执照注册号", "legacyregno"),
            parser="registration_number",
            target="extra",
            help=gettext_lazy("旧版 15 位工商注册号：导入时提示核实，由管理员确认"),
        ),
        *SEPARATION_COLUMNS,
        *common_case_columns(
            disposition_headers=("脱钩方式", "脱钩改制方式", "改制方式", "脱钩形式"),
            disposition_aliases={"转制为企业": "to_enterprise", "撤销": "dissolved"},
            examples={"disposition": "转企改制", "deadline": "2026-12-31"},
        ),
    ]

    def complete_rows(self, plans: list[RowPlan], ctx: ImportContext) -> None:
        codes = {p.extras["credit_code"] for p in plans if p.extras.get("credit_code")}
        by_code = {
            f.credit_code: f
            for f in IntermediaryFirm.objects.filter(credit_code__in=codes).select_related(
                "jurisdiction"
            )
        }
        by_name: dict[str, IntermediaryFirm] = {}
        for firm in IntermediaryFirm.objects.filter(jurisdiction=ctx.jurisdiction).order_by("id"):
            by_name.setdefault(normalize_key(firm.name), firm)
        for plan in plans:
            self._complete(plan, ctx, by_code, by_name)

    def _complete(self, plan: RowPlan, ctx: ImportContext, by_code: dict, by_name: dict) -> None:
        if "agency" in plan.subject_fields:
            plan.case_fields["department"] = plan.subject_fields["agency"]
        name = plan.extras.get("firm_name", "")
        code = plan.extras.get("credit_code")
        firm = by_code.get(code) if code else None
        if firm is not None and firm.jurisdiction_id != ctx.jurisdiction.pk:
            plan.errors.append(
                (
                    ctx.header("credit_code"),
                    _("该统一社会信用代码已登记为%(j)s的机构“%(name)s”。")
                    % {"j": firm.jurisdiction.name, "name": firm.name},
                )
            )
            return
        if firm is None and name:
            firm = by_name.get(normalize_key(name))
            if firm is not None and code and firm.credit_code and firm.credit_code != code:
                plan.errors.append(
                    (
                        ctx.header("credit_code"),
                        _("机构“%(name)s”已在册，但统一社会信用代码不同（在册：%(code)s）。")
                        % {"name": name, "code": firm.credit_code},
                    )
                )
                return
        plan.extras["_firm"] = firm
        for warning in plan.accepted:
            if warning["code"] == "credit_checksum":
                plan.extras["_credit_override"] = warning["reason"]
        if firm is None and "legal_form" not in plan.extras:
            plan.errors.append(
                (
                    ctx.header("legal_form") if "legal_form" in ctx.headers else _("机构类型"),
                    _("新登记的机构必须填写机构类型（事业单位、社会团体、民办非企业单位、企业）。"),
                )
            )

    def title(self, plan: RowPlan) -> str:
        return f"{plan.extras.get('firm_name', '')} 脱钩改制"

    def keys(self, plan: RowPlan) -> list[tuple]:
        agency = plan.subject_fields.get("agency")
        keys: list[tuple] = [
            ("name", normalize_key(plan.extras.get("firm_name")), agency.pk if agency else None)
        ]
        if plan.extras.get("credit_code"):
            keys.append(("credit", plan.extras["credit_code"]))
        return keys

    def existing(self, ctx: ImportContext) -> dict[tuple, Case]:
        found: dict[tuple, Case] = {}
        qs = (
            Case.objects.filter(kind="firm", jurisdiction=ctx.jurisdiction)
            .exclude(status=Status.WITHDRAWN)
            .select_related("decoupling", "decoupling__firm")
            .order_by("id")
        )
        for case in qs:
            subject: DecouplingCase = case.decoupling
            found.setdefault(("name", normalize_key(subject.firm.name), subject.agency_id), case)
            if subject.firm.credit_code:
                found.setdefault(("credit", subject.firm.credit_code), case)
        return found

    def _firm_changes(self, plan: RowPlan, firm: IntermediaryFirm) -> dict[str, Any]:
        wanted = {
            "name": plan.extras.get("firm_name"),
            "credit_code": plan.extras.get("credit_code"),
            "legal_form": plan.extras.get("legal_form"),
            "service_categories": plan.extras.get("service_categories"),
            "qualifications": plan.extras.get("qualifications"),
            "legacy_reg_no": plan.extras.get("legacy_reg_no"),
            "credit_code_override_reason": plan.extras.get("_credit_override"),
        }
        return {
            name: value
            for name, value in wanted.items()
            if value not in (None, "") and getattr(firm, name) != value
        }

    def extra_changes(self, plan: RowPlan, case: Case) -> dict[str, Any]:
        firm = case.decoupling.firm
        plan.extras["_firm"] = firm
        return {
            f"{IntermediaryFirm._meta.verbose_name}{IntermediaryFirm._meta.get_field(n).verbose_name}": v
            for n, v in self._firm_changes(plan, firm).items()
        }

    def _update_firm(self, plan: RowPlan, firm: IntermediaryFirm, ctx: ImportContext, reason: str):
        changes = self._firm_changes(plan, firm)
        if changes:
            for name, value in changes.items():
                setattr(firm, name, value)
            firm.version += 1
            tracked_save(firm, by=ctx.user, reason=reason)

    def prepare_create(self, plans: list[RowPlan], ctx: ImportContext, *, reason: str) -> None:
        """Link each row to its firm: existing ones (updated if asked), new ones created in bulk."""
        new: dict[str, IntermediaryFirm] = {}
        updated: set[int] = set()
        for plan in plans:
            firm = plan.extras.get("_firm")
            if firm is not None:
                if ctx.on_duplicate == "update" and firm.pk not in updated:
                    self._update_firm(plan, firm, ctx, reason)
                    updated.add(firm.pk)
            else:
                key = plan.extras.get("credit_code") or normalize_key(plan.extras["firm_name"])
                firm = new.get(key)
                if firm is None:
                    firm = new[key] = IntermediaryFirm(
                        jurisdiction=ctx.jurisdiction,
                        name=plan.extras["firm_name"],
                        credit_code=plan.extras.get("credit_code") or None,
                        legal_form=plan.extras["legal_form"],
                        supervising_agency=plan.subject_fields.get("agency"),
                        affiliation_type=plan.subject_fields.get(
                            "affiliation_type", AffiliationType.NONE
                        ),
                        service_categories=plan.extras.get("service_categories", ""),
                        qualifications=plan.extras.get("qualifications", ""),
                        legacy_reg_no=plan.extras.get("legacy_reg_no", ""),
                        credit_code_override_reason=plan.extras.get("_credit_override", ""),
                    )
            plan.subject_obj.firm = firm
        if new:
            import_bulk.bulk_insert_with_history(
                IntermediaryFirm, list(new.values()), by=ctx.user, reason=reason
            )

    def prepare_update(self, plan: RowPlan, ctx: ImportContext, *, reason: str) -> dict:
        self._update_firm(plan, plan.existing.decoupling.firm, ctx, reason)
        return {}


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
