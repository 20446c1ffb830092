"""The firm register as a table: sortable columns, the name linking to the firm's page."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from intermediaries.models import IntermediaryFirm


class FirmTable(tables.Table):
    name = tables.LinkColumn(
        "intermediaries:firm_detail", args=[tables.A("pk")], verbose_name=_("机构名称")
    )
    credit_code = tables.TemplateColumn(
        "<code>{{ value|default:'' }}</code>", verbose_name=_("统一社会信用代码")
    )
    legal_form = tables.Column(verbose_name=_("机构类型"))
    supervising_agency = tables.Column(verbose_name=_("主管/挂靠机关"), default="")
    affiliation_type = tables.Column(verbose_name=_("挂靠关系"))
    jurisdiction = tables.Column(verbose_name=_("行政区划"), order_by=("jurisdiction__path",))

    class Meta:
        model = IntermediaryFirm
        fields = (
            "name",
            "credit_code",
            "legal_form",
            "supervising_agency",
            "affiliation_type",
            "jurisdiction",
        )
        order_by = ("name",)
        empty_text = _("无")
        per_page = 25
