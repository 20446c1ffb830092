"""The report's narrative drafted from its figures: sentences generated from the numbers.

An admin edits the draft before the leader signs it off; nothing here is stored by itself.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from tracker.reports.figures import REPORT_LANGUAGE, change_text, gap_text, pct_text

MAX_NAMED = 5  # lagging places named in the text


def _progress(figures: dict) -> str:
    total, head = figures["total"], figures.get("headline", {})
    change = head.get("change", {})
    schedule = figures.get("schedule")
    gap = None if total["pct"] is None or schedule is None else round(total["pct"] - schedule, 1)
    lines = [
        _(
            "截至%(end)s，全%(place)s纳入清理的事项共%(target)d项，累计完成%(done)d项，"
            "完成率%(pct)s，序时进度%(schedule)s，%(ahead)s%(gap)s个百分点；"
            "本月完成%(month)d项（较%(basis)s%(change)s项）。"
        )
        % {
            "end": figures["period"]["end"],
            "place": figures["jurisdiction"]["name"],
            "target": total["target"],
            "done": total["cumulative"],
            "pct": pct_text(total["pct"]),
            "schedule": pct_text(schedule),
            "ahead": _("超出序时进度") if gap is not None and gap >= 0 else _("落后序时进度"),
            "gap": "—" if gap is None else f"{abs(gap):.1f}",
            "month": total["this_month"],
            "basis": _("上月") if head.get("basis") == "report" else _("月初"),
            "change": change_text(change.get("cumulative")),
        }
    ]
    for stream in figures["streams"]:
        if not stream["target"]:
            continue
        lines.append(
            _("%(label)s：目标%(target)d项，累计完成%(done)d项，完成率%(pct)s。")
            % {
                "label": stream["label"],
                "target": stream["target"],
                "done": stream["cumulative"],
                "pct": pct_text(stream["pct"]),
            }
        )
    ranked = [r for r in figures["jurisdictions"]["rows"] if r.get("rank") == 1]
    if ranked:
        lines.append(
            _("完成率排名第一的是%(names)s（%(pct)s）。")
            % {"names": "、".join(r["label"] for r in ranked), "pct": pct_text(ranked[0]["pct"])}
        )
    return "\n".join(lines)


def _problems(figures: dict) -> str:
    lines = []
    lagging = figures.get("lagging", [])
    if lagging:
        named = "、".join(
            _("%(l)s（完成率%(p)s，差%(g)s个百分点）")
            % {"l": r["label"], "p": pct_text(r["pct"]), "g": gap_text(r["gap"])}
            for r in lagging[:MAX_NAMED]
        )
        more = _("等%(n)d个单位") % {"n": len(lagging)} if len(lagging) > MAX_NAMED else ""
        lines.append(_("进度滞后：%(named)s%(more)s。") % {"named": named, "more": more})
    overdue = figures["total"]["overdue"]
    if overdue:
        lines.append(
            _("逾期未完成事项%(n)d项（清单见附件1），部分未说明逾期原因。") % {"n": overdue}
        )
    if not lines:
        lines.append(_("各地进度均不低于序时进度，无逾期事项。"))
    return "\n".join(lines)


def _next(figures: dict) -> str:
    due = len(figures.get("milestones_next", []))
    lines = [_("下月到期节点%(n)d个（见附件2），请各地各部门按期完成并上传佐证材料。") % {"n": due}]
    if figures.get("lagging"):
        lines.append(_("对进度滞后单位开展督办，逐项明确整改时限和责任人。"))
    if figures["total"]["overdue"]:
        lines.append(_("逾期事项逐项说明原因和预计完成时间，年底前全部清零。"))
    return "\n".join(lines)


def draft_narrative(figures: dict) -> dict[str, str]:
    """工作进展、存在问题、下一步工作, written from the figures (Chinese, the report language)."""
    with translation.override(REPORT_LANGUAGE):
        return {
            "narrative_progress": _progress(figures),
            "narrative_problems": _problems(figures),
            "narrative_next": _next(figures),
        }
