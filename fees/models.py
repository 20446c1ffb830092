"""Fee items (收费项目) under clean-up (DOMAIN.md §2)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class FeeKind(models.TextChoices):
    ADMINISTRATIVE = "administrative", _("行政事业性收费")
    FUND = "fund", _("政府性基金")
    GOV_PRICED = "gov_priced", _("政府定价经营服务性收费")
    INTERMEDIARY = "intermediary", _("中介服务收费")


class SetLevel(models.TextChoices):
    CENTRAL = "central", _("中央")
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县")


class RevenueHandling(models.TextChoices):
    CENTRAL_TREASURY = "central_treasury", _("缴入中央国库")
    LOCAL_TREASURY = "local_treasury", _("缴入地方国库")
    SPECIAL_ACCOUNT = "special_account", _("缴入财政专户")
    OTHER = "other", _("其他")


class FeeDisposition(models.TextChoices):
    KEEP = "keep", _("保留")
    FEE_CANCEL = "fee_cancel", _("取消")
    SUSPEND = "suspend", _("停征")
    EXEMPT = "exempt", _("免征")
    REDUCE = "reduce", _("降低标准")
    TRANSFER_OUT = "transfer_out", _("转出")
    MARKET = "market", _("改为市场调节")


class FeeItem(models.Model):
    """One fee (收费项目) in the inventory and its clean-up case."""

    case = models.OneToOneField("tracker.Case", on_delete=models.PROTECT, related_name="fee_item")
    name = models.CharField(_("收费项目名称"), max_length=200)
    sub_items = models.TextField(_("子项"), blank=True)
    fee_kind = models.CharField(_("收费类别"), max_length=20, choices=FeeKind.choices)
    set_level = models.CharField(_("设立级次"), max_length=20, choices=SetLevel.choices)
    collecting_unit = models.CharField(_("执收单位"), max_length=200, blank=True)
    revenue_handling = models.CharField(
        _("资金管理方式"), max_length=30, choices=RevenueHandling.choices, blank=True
    )
    legal_basis = models.TextField(_("收费依据"), blank=True, help_text=_("每行一个依据文件"))
    standard = models.CharField(_("收费标准"), max_length=300, blank=True)
    amount = models.DecimalField(
        _("标准金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    amount_min = models.DecimalField(
        _("标准下限"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    amount_max = models.DecimalField(
        _("标准上限"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    amount_unit = models.CharField(
        _("计费单位"), max_length=20, blank=True, help_text=_("元、元/件、元/平方米、% 等")
    )
    amount_after = models.DecimalField(
        _("降低后标准金额（元）"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("处理决定为“降低标准”时填写：减负按年收费额 ×（原标准 − 新标准）÷ 原标准计算"),
    )
    payer_scope = models.CharField(_("缴费对象"), max_length=200, blank=True)
    affects_enterprises = models.BooleanField(_("涉企收费"), default=False)
    annual_revenue = models.DecimalField(
        _("年收费额（万元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("收费项目")
        verbose_name_plural = _("收费项目")

    def __str__(self) -> str:
        return self.name

    def case_title(self) -> str:
        return self.name

    def clean(self) -> None:
        if (
            self.amount_min is not None
            and self.amount_max is not None
            and self.amount_min > self.amount_max
        ):
            raise ValidationError({"amount_max": _("标准上限不能小于下限。")})

    def legal_basis_list(self) -> list[str]:
        return [line.strip() for line in self.legal_basis.splitlines() if line.strip()]
