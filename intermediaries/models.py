"""Intermediary items, firms, decoupling cases and officials' post cases (DOMAIN.md §2)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.cases.validators import credit_code_problems


class ApprovalItem(models.Model):
    """One administrative approval (审批事项) that intermediary items sit in front of."""

    jurisdiction = models.ForeignKey(
        "tracker.Jurisdiction", verbose_name=_("行政区划"), on_delete=models.PROTECT
    )
    department = models.ForeignKey(
        "tracker.Department",
        verbose_name=_("审批部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    name = models.CharField(_("审批事项名称"), max_length=200)
    code = models.CharField(_("项目编码"), max_length=50, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("审批事项")
        verbose_name_plural = _("审批事项")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）" if self.code else self.name


class ProviderNature(models.TextChoices):
    INSTITUTION = "institution", _("事业单位")
    SOCIAL_ORG = "social_org", _("社会团体")
    PRIVATE_NONPROFIT = "private_nonprofit", _("民办非企业单位")
    ENTERPRISE = "enterprise", _("企业")
    OTHER = "other", _("其他")


class AffiliationType(models.TextChoices):
    ATTACHED = "attached", _("挂靠")
    SUPERVISED = "supervised", _("主管")
    SPONSORED = "sponsored", _("主办")
    LIAISON = "liaison", _("联系")
    FUNDED = "funded", _("出资")
    NONE = "none", _("无")


class ItemDisposition(models.TextChoices):
    RETAIN = "retain", _("保留")
    CANCEL = "cancel", _("取消")
    COMMISSION = "commission", _("改为审批部门委托的技术性服务")
    APPLICANT_CHOICE = "applicant_choice", _("申请人可自行完成或自主选择")
    CANCEL_WITH_APPROVAL = "cancel_with_approval", _("随审批事项取消")
    MERGE = "merge", _("合并")
    NOT_INTERMEDIARY = "not_intermediary", _("不属于中介服务")


class PricingMethod(models.TextChoices):
    GOVERNMENT = "government", _("政府定价")
    MARKET = "market", _("市场调节价")
    FREE = "free", _("不收费")


class IntermediaryItem(models.Model):
    """One intermediary service an approving department requires (register entry and its case)."""

    case = models.OneToOneField(
        "tracker.Case", on_delete=models.PROTECT, related_name="intermediary_item"
    )
    name = models.CharField(_("中介服务事项名称"), max_length=300)
    approval_items = models.ManyToManyField(
        ApprovalItem,
        verbose_name=_("涉及的审批事项"),
        blank=True,
        related_name="intermediary_items",
    )
    legal_basis = models.TextField(_("设定依据"), blank=True, help_text=_("每行一个依据文件"))
    provider = models.CharField(_("中介服务实施机构"), max_length=300, blank=True)
    provider_firm = models.ForeignKey(
        "IntermediaryFirm",
        verbose_name=_("实施机构（在册）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items_provided",
    )
    provider_nature = models.CharField(
        _("机构性质"), max_length=30, choices=ProviderNature.choices, blank=True
    )
    time_limit = models.CharField(_("服务时限"), max_length=100, blank=True)
    fee_name = models.CharField(_("收费项目"), max_length=200, blank=True)
    fee_standard = models.CharField(_("收费标准"), max_length=300, blank=True)
    fee_basis = models.TextField(_("收费依据"), blank=True)
    pricing = models.CharField(
        _("定价方式"), max_length=20, choices=PricingMethod.choices, blank=True
    )
    history = HistoricalRecords(m2m_fields=[approval_items])

    class Meta:
        verbose_name = _("中介服务事项")
        verbose_name_plural = _("中介服务事项")

    def __str__(self) -> str:
        return self.name

    def case_title(self) -> str:
        return self.name

    def legal_basis_list(self) -> list[str]:
        return [line.strip() for line in self.legal_basis.splitlines() if line.strip()]


class IntermediaryFirm(models.Model):
    """One intermediary firm in the register (not a case by itself)."""

    class LegalForm(models.TextChoices):
        INSTITUTION = "institution", _("事业单位")
        SOCIAL_ORG = "social_org", _("社会团体")
        PRIVATE_NONPROFIT = "private_nonprofit", _("民办非企业单位")
        ENTERPRISE = "enterprise", _("企业")

    jurisdiction = models.ForeignKey(
        "tracker.Jurisdiction", verbose_name=_("行政区划"), on_delete=models.PROTECT
    )
    name = models.CharField(_("机构名称"), max_length=200)
    former_names = models.TextField(_("曾用名"), blank=True)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, null=True, unique=True
    )
    credit_code_override_reason = models.TextField(
        _("校验不通过的核实说明"),
        blank=True,
        help_text=_("早期代码可能不符合校验规则：仅管理员可在核实后填写说明并保存。"),
    )
    legacy_org_code = models.CharField(_("组织机构代码"), max_length=10, blank=True)
    legacy_reg_no = models.CharField(_("注册号"), max_length=15, blank=True)
    legal_form = models.CharField(_("机构类型"), max_length=30, choices=LegalForm.choices)
    supervising_agency = models.ForeignKey(
        "tracker.Department",
        verbose_name=_("主管/挂靠机关"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="affiliated_firms",
    )
    affiliation_type = models.CharField(
        _("挂靠关系"), max_length=20, choices=AffiliationType.choices, default=AffiliationType.NONE
    )
    service_categories = models.CharField(_("服务类别"), max_length=300, blank=True)
    qualifications = models.TextField(_("资质"), blank=True)
    credit_grade = models.CharField(_("信用等级"), max_length=10, blank=True)
    on_dishonesty_list = models.BooleanField(_("列入失信名单"), default=False)
    shares_staff_with_agency = models.BooleanField(_("与机关人员混用"), default=False)
    shares_premises_with_agency = models.BooleanField(_("与机关合署办公"), default=False)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("改制后机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("中介机构")
        verbose_name_plural = _("中介机构")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.credit_code:
            self.credit_code = self.credit_code.strip().upper()
            problems = credit_code_problems(self.credit_code)
            if problems and not self.credit_code_override_reason.strip():
                raise ValidationError({"credit_code": problems})
        else:
            self.credit_code = None
        if self.successor_id and self.successor_id == self.pk:
            raise ValidationError({"successor": _("改制后机构不能是自己。")})


class DecouplingDisposition(models.TextChoices):
    STAFF_NEW_COMPANY = "staff_new_company", _("职工出资新设公司")
    TRANSFERRED = "transferred", _("整体划转")
    WITHDRAW_ALL = "withdraw_all", _("股权人员全部撤出")
    TO_ENTERPRISE = "to_enterprise", _("转企改制")
    EXIT_MARKET = "exit_market", _("注销资质退出市场")
    DISSOLVED = "dissolved", _("撤销/并入")
    TRANSITION = "transition", _("过渡期保留")


class DecouplingCase(models.Model):
    """The decoupling (脱钩改制) of one affiliated firm from one agency."""

    case = models.OneToOneField("tracker.Case", on_delete=models.PROTECT, related_name="decoupling")
    firm = models.ForeignKey(
        IntermediaryFirm,
        verbose_name=_("中介机构"),
        on_delete=models.PROTECT,
        related_name="decoupling_cases",
    )
    agency = models.ForeignKey(
        "tracker.Department",
        verbose_name=_("挂靠机关"),
        on_delete=models.PROTECT,
        related_name="decoupling_cases",
    )
    affiliation_type = models.CharField(
        _("挂靠关系"), max_length=20, choices=AffiliationType.choices
    )
    transition_until = models.DateField(_("过渡期截止"), null=True, blank=True)
    new_firm = models.ForeignKey(
        IntermediaryFirm,
        verbose_name=_("改制后机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("脱钩改制")
        verbose_name_plural = _("脱钩改制")

    def __str__(self) -> str:
        return str(self.firm)

    def case_title(self) -> str:
        return f"{self.firm.name} 脱钩改制"


class RankBand(models.TextChoices):
    PROVINCIAL = "provincial", _("省部级")
    BUREAU = "bureau", _("厅局级")
    COUNTY = "county", _("县处级")
    SECTION = "section", _("乡科级")
    OTHER = "other", _("其他")


class PersonStatus(models.TextChoices):
    SERVING = "serving", _("在职")
    LEFT_POST = "left_post", _("已离岗未退休")
    RETIRED_UNDER_3 = "retired_under_3", _("退休不满3年")
    RETIRED_OVER_3 = "retired_over_3", _("退休满3年")


class PostType(models.TextChoices):
    LEGAL_REP = "legal_rep", _("法定代表人")
    DIRECTOR = "director", _("董事")
    SUPERVISOR = "supervisor", _("监事")
    INDEPENDENT = "independent", _("独立董事")
    EXECUTIVE = "executive", _("高管")
    ADVISER = "adviser", _("顾问")
    HONORARY = "honorary", _("名誉职务")


class PostDisposition(models.TextChoices):
    RESIGN_FIRM = "resign_firm", _("辞去企业职务")
    RESIGN_OFFICE = "resign_office", _("辞去公职")
    REMOVED = "removed", _("免去公职")
    KEEP_APPROVED = "keep_approved", _("按规定审批保留（不取酬）")
    DIVEST = "divest", _("退出持股")
    RETURN_PAY = "return_pay", _("退还报酬")
    REFER = "refer", _("移送纪检")


class OfficialPost(models.Model):
    """One official's post in one firm, to be cleared. No citizen ID number is stored."""

    case = models.OneToOneField(
        "tracker.Case", on_delete=models.PROTECT, related_name="official_post"
    )
    person_ref = models.CharField(
        _("人员内部编号"), max_length=40, help_text=_("内部编号，不得填写身份证号码。")
    )
    person_name = models.CharField(_("姓名"), max_length=50)
    employing_unit = models.CharField(_("工作单位"), max_length=200)
    employing_department = models.ForeignKey(
        "tracker.Department",
        verbose_name=_("所在部门（在册）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officials_in_posts",
        help_text=_("工作单位为在册部门时选择，便于按机关穿透查看。"),
    )
    post = models.CharField(_("职务"), max_length=100)
    rank_band = models.CharField(_("职级"), max_length=20, choices=RankBand.choices)
    person_status = models.CharField(_("人员状态"), max_length=20, choices=PersonStatus.choices)
    firm = models.ForeignKey(
        IntermediaryFirm,
        verbose_name=_("任职机构（在册）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="official_posts",
    )
    firm_name = models.CharField(_("任职机构名称"), max_length=200)
    post_type = models.CharField(_("任职类型"), max_length=20, choices=PostType.choices)
    paid = models.BooleanField(_("是否取酬"), default=False)
    pay_amount = models.DecimalField(
        _("报酬金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    pay_returned = models.DecimalField(
        _("已退还报酬（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    shareholding = models.BooleanField(_("是否持股"), default=False)
    former_area = models.BooleanField(_("属原任职地区或业务范围"), default=False)
    approval_ref = models.CharField(_("审批/备案文号"), max_length=100, blank=True)
    held_from = models.DateField(_("任职起始"), null=True, blank=True)
    held_to = models.DateField(_("任职终止"), null=True, blank=True)
    firm_change_done = models.BooleanField(_("企业已完成变更登记"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("干部兼职任职")
        verbose_name_plural = _("干部兼职任职")
        indexes = [
            # Posts linked to a registered firm. Most posts name a firm that is not (yet) in
            # the register (firm NULL): SQLite's statistics then rate the plain FK index as
            # useless and scan every post for each decoupling case in the "official still in
            # post" red-flag rule. This index holds the linked posts only, so it stays cheap.
            models.Index(
                fields=["firm"],
                name="officialpost_linked_firm",
                condition=models.Q(firm__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_name} @ {self.firm_name}"

    def case_title(self) -> str:
        return (
            f"{self.employing_unit}{self.post} 在{self.firm_name}任{self.get_post_type_display()}"
        )

    def clean(self) -> None:
        errors = {}
        if self.held_from and self.held_to and self.held_to < self.held_from:
            errors["held_to"] = _("任职终止日期不能早于起始日期。")
        if self.person_ref and _looks_like_id_number(self.person_ref):
            errors["person_ref"] = _("不得存储身份证号码，请使用内部编号。")
        if self.firm_id and not self.firm_name:
            self.firm_name = self.firm.name
        if errors:
            raise ValidationError(errors)


def _looks_like_id_number(value: str) -> bool:
    """Refuse anything shaped like an 18-digit citizen ID (17 digits + digit/X)."""
    v = value.strip().upper()
    return len(v) in (15, 18) and v[:-1].isdigit() and (v[-1].isdigit() or v[-1] == "X")
