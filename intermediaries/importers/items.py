"""The column map of intermediary item lists (中介服务事项清单)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intermediaries.models import (
    ApprovalItem,
    IntermediaryItem,
    PricingMethod,
    ProviderNature,
)
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
