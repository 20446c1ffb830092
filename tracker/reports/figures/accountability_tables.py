"""The report's accountability tables: approved withdrawals by category, and the decisions
superseded this month (figures from ``tracker.reports.figures.accountability``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tracker.reports.figures.tables import DETAIL_LIMIT, ReportTable


def _withdrawals_table(figures: dict) -> ReportTable:
    """Approved withdrawals by category, per kind and place (stays in the report: withdrawn
    cases leave the targets, not the record)."""
    from tracker.cases.withdrawals import WithdrawalCategory

    categories = [*WithdrawalCategory.values, "legacy"]
    labels = [*(str(WithdrawalCategory(c).label) for c in WithdrawalCategory.values)]
    labels.append(_("早期撤回（未分类）"))
    rows = [
        [r["kind"], r["place"], *(r.get(c, 0) for c in categories), r["total"]]
        for r in figures.get("withdrawals", [])
    ]
    total = None
    if rows:
        total = [_("合计"), "", *(sum(r[i] for r in rows) for i in range(2, 3 + len(categories)))]
    return ReportTable(
        key="withdrawals",
        title=_("附：已撤回事项（按撤回类别）"),
        headers=[_("类别"), _("地区"), *labels, _("合计")],
        rows=rows,
        total=total,
        numeric=[False, False, *([True] * (len(categories) + 1))],
        widths=[1.5, 1.6, 1.5, 1.5, 1.1, 1.3, 0.9],
    )


def _redecisions_table(figures: dict) -> ReportTable:
    """Decisions superseded this month by a re-decision: the old one stays on record."""
    return ReportTable(
        key="redecisions",
        title=_("附：本月回头看重新决定（原决定已被取代）"),
        headers=[_("编号"), _("名称"), _("原决定（已被取代）"), _("新决定"), _("原因"), _("日期")],
        rows=[
            [r["reference"], r["title"], r["old"], r["new"], r["reason"], r["date"]]
            for r in figures.get("redecisions", [])
        ],
        numeric=[False] * 6,
        widths=[2.4, 2.6, 2.2, 2.2, 2.6, 1.4],
        wrap=[False, True, True, True, True, False],
        limit=DETAIL_LIMIT,
    )
