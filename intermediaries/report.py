"""Monthly report lines of the intermediary kinds (DOMAIN.md §4, streams A, B and C).

Each function receives a ``tracker.reports.figures.StreamLines`` (the kind's month-end case
groups and tally) and returns the stream's detail lines; the core never names these kinds.
"""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from intermediaries.models import DecouplingDisposition, PostDisposition

# Report dimensions read from the subject history row "s" (see CaseKind.report_columns).
FIRM_COLUMNS = {"aff": "s.affiliation_type"}
POST_COLUMNS = {
    "fcd": "CASE WHEN s.firm_change_done THEN 1 ELSE 0 END",
    "pr": "CASE WHEN s.pay_returned > 0 THEN 1 ELSE 0 END",
    "pay": "s.pay_returned",
}
# An approved, unpaid post stays: no registration change at the firm is expected.
POST_NO_FIRM_CHANGE = (PostDisposition.KEEP_APPROVED.value,)


def item_lines(lines) -> list[dict]:
    """A. reported, reviewed, list published (with the latest date)."""
    live, line, count = lines.live, lines.line, lines.count
    published = [g for g in live if g.key_done]
    dates = [g.key_date for g in published if g.key_date]
    return [
        line(_("已申报事项"), lines.tally.target, _("项")),
        line(_("本月新增申报"), lines.tally.new, _("项")),
        line(
            _("已审核（已作出决定）"),
            count(g for g in live if g.status in lines.reviewed_statuses),
            _("项"),
        ),
        line(_("清单已公布"), count(published), _("项")),
        line(_("最近公布日期"), max(dates).isoformat() if dates else "—"),
    ]


def firm_lines(lines) -> list[dict]:
    """B. bodies to decouple by affiliation type, plans approved, done by outcome, transition."""
    live, line, count = lines.live, lines.line, lines.count
    by_type: dict[str, int] = defaultdict(int)
    for g in live:
        by_type[g.aff_type] += g.n
    out = [
        line(
            _("拟脱钩机构（%(t)s）") % {"t": lines.choice_label("affiliation_type", value)},
            by_type[value],
            _("家"),
        )
        for value in sorted(by_type)
    ]
    out.append(line(_("方案已批复"), count(g for g in live if g.key_done), _("家")))
    out += lines.done_by_disposition(_("家"))
    transition = DecouplingDisposition.TRANSITION.value
    out.append(
        line(_("过渡期保留"), count(g for g in live if g.disposition == transition), _("家"))
    )
    out.append(line(_("逾期"), lines.tally.overdue, _("家")))
    return out


def post_lines(lines) -> list[dict]:
    """C. person-times to clear, done by outcome, firm-side change pending, pay returned, referred."""
    live, line, count = lines.live, lines.line, lines.count
    pending = [
        g
        for g in live
        if g.status in lines.reviewed_statuses
        and not g.firm_change_done
        and g.disposition not in POST_NO_FIRM_CHANGE
    ]
    returned = [g for g in live if g.pay_returned]
    refer = PostDisposition.REFER.value
    return [
        line(_("应清理人次"), lines.tally.target, _("人次")),
        *lines.done_by_disposition(_("人次")),
        line(_("企业变更登记待完成"), count(pending), _("人次")),
        line(_("退还报酬"), count(returned), _("人次")),
        line(_("退还报酬金额"), lines.money(sum(g.pay_sum for g in live)), _("元")),
        line(_("移送纪检"), count(g for g in live if g.disposition == refer), _("人次")),
    ]
