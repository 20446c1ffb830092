"""The column map of decoupling lists (脱钩改制名单), with the firm register."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intermediaries.models import (
    AffiliationType,
    DecouplingCase,
    IntermediaryFirm,
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
from tracker.models import Case

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
