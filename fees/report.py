"""Monthly report lines of the fee kind (DOMAIN.md §4, stream D).

The burden reduction (减负) counts enterprise-related fees only (涉企收费): the whole annual
revenue of a cancelled, suspended or exempted fee, and for a reduced standard (降低标准) the
share of the revenue that the reduction removes, revenue × (before − after) / before. A
duplicate registration is withdrawn (linked to the case that survives), and withdrawn cases are
never counted, so a fee is counted once.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from fees.models import FeeDisposition

# Dispositions that take an item out of the catalogue, and those that end the whole charge.
FEE_REMOVED = (
    FeeDisposition.FEE_CANCEL.value,
    FeeDisposition.TRANSFER_OUT.value,
    FeeDisposition.MARKET.value,
)
FEE_RELIEF = (
    FeeDisposition.FEE_CANCEL.value,
    FeeDisposition.SUSPEND.value,
    FeeDisposition.EXEMPT.value,
)


def _quoted(values) -> str:
    return ", ".join(f"'{v}'" for v in values)  # fixed choice values, never user input


# "rev": this fee's annual burden reduction (万元) at month end, NULL when there is none.
FEE_COLUMNS = {
    "rev": (
        "CASE WHEN NOT s.affects_enterprises THEN NULL "
        f"WHEN e.disposition IN ({_quoted(FEE_RELIEF)}) THEN s.annual_revenue "
        f"WHEN e.disposition = '{FeeDisposition.REDUCE.value}' AND s.amount > 0 "
        "AND s.amount_after IS NOT NULL AND s.amount_after < s.amount "
        "THEN s.annual_revenue * (s.amount - s.amount_after) / s.amount "
        "ELSE NULL END"
    ),
}


def fee_lines(lines) -> list[dict]:
    """D. items before and after, the burden reduction."""
    live, line, count = lines.live, lines.line, lines.count
    removed = count(g for g in live if g.disposition in FEE_REMOVED)
    reduced = [g for g in live if g.disposition == FeeDisposition.REDUCE.value]
    relief = sum((g.revenue_sum for g in live), Decimal(0))
    reduction = sum((g.revenue_sum for g in reduced), Decimal(0))
    return [
        line(_("清理前收费项目"), lines.tally.target, _("项")),
        line(_("清理后收费项目"), lines.tally.target - removed, _("项")),
        line(_("预计年减轻企业负担（涉企收费）"), lines.money(relief), _("万元")),
        line(_("其中：降低标准减负"), lines.money(reduction), _("万元")),
    ]
