"""The report's tables: the rows that the page, the PDF, the CSV and the XLSX all show."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from tracker.reports.figures.periods import DETAIL_LIMIT
from tracker.reports.figures.tallies import pct_text

# --- tables: the rows that the page, the PDF, the CSV and the XLSX all show -------------------


@dataclass
class ReportTable:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    total: list[Any] | None = None
    numeric: list[bool] = field(default_factory=list)  # per column: right-align / number cell
    widths: list[float] = field(default_factory=list)  # relative PDF column widths
    wrap: list[bool] = field(default_factory=list)  # per column: long text that may wrap
    limit: int | None = None  # the page and the PDF show at most this many rows

    @property
    def shown_rows(self) -> list[list[Any]]:
        """The rows the page and the PDF show (CSV and XLSX always have every row)."""
        return self.rows if self.limit is None else self.rows[: self.limit]

    @property
    def truncated(self) -> bool:
        return self.limit is not None and len(self.rows) > self.limit

    @property
    def truncated_note(self) -> str:
        if not self.truncated:
            return ""
        return _("共 %(n)d 行，此处列出前 %(k)d 行；完整清单见 CSV/XLSX 下载。") % {
            "n": len(self.rows),
            "k": self.limit,
        }

    def html_rows(self) -> list[list[tuple[Any, bool]]]:
        """Rows as (value, numeric) pairs for the page."""
        return [list(zip(r, self.numeric, strict=False)) for r in self.shown_rows]

    def html_total(self) -> list[tuple[Any, bool]]:
        return list(zip(self.total or [], self.numeric, strict=False))


def _progress_cells(t: dict) -> list[Any]:
    return [t["target"], t["this_month"], t["cumulative"], pct_text(t["pct"]), t["overdue"]]


def gap_text(value: float | None) -> str:
    """A gap or change in percentage points, signed."""
    return "—" if value is None else f"{value:+.1f}"


def change_text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:+.1f}"
    return f"{int(value):+d}"


def _headline_table(figures: dict) -> ReportTable:
    head = figures.get("headline") or {}
    prev, change = head.get("previous", {}), head.get("change", {})
    basis = _("上月月报") if head.get("basis") == "report" else _("本月初")
    labels = [
        ("target", _("目标数（项）")),
        ("this_month", _("本月完成（项）")),
        ("cumulative", _("累计完成（项）")),
        ("pct", _("完成率（%）")),
        ("overdue", _("逾期（项）")),
    ]
    rows = []
    for key, label in labels:
        now, before = head.get(key), prev.get(key)
        fmt = pct_text if key == "pct" else (lambda v: "—" if v is None else v)
        rows.append([label, fmt(now), fmt(before), change_text(change.get(key))])
    rows.append(
        [
            _("序时进度（%）"),
            pct_text(figures.get("schedule")),
            "",
            _("差 %(g)s 个百分点")
            % {"g": gap_text(_gap(figures["total"]["pct"], figures.get("schedule")))},
        ]
    )
    return ReportTable(
        key="headline",
        title=_("四、主要指标及环比"),
        headers=[_("指标"), _("本月末"), basis, _("环比")],
        rows=rows,
        numeric=[False, True, True, True],
        widths=[3, 1.4, 1.4, 2],
    )


def _gap(value: float | None, schedule: float | None) -> float | None:
    if value is None or schedule is None:
        return None
    return round(value - schedule, 1)


def _rank_text(value) -> str:
    return "—" if value is None else str(value)


def _summary_table(figures: dict) -> ReportTable:
    """（一）分类进展汇总: one row per stream, and the total."""
    streams = figures["streams"]
    return ReportTable(
        key="summary",
        title=_("（一）分类进展汇总"),
        headers=[
            _("类别"),
            _("目标数"),
            _("本月新增"),
            _("本月完成"),
            _("累计完成"),
            _("完成率"),
            _("逾期"),
        ],
        rows=[
            [
                f"{s['key']} {s['label']}",
                s["target"],
                s["new"],
                s["this_month"],
                s["cumulative"],
                pct_text(s["pct"]),
                s["overdue"],
            ]
            for s in streams
        ],
        total=[
            _("合计"),
            figures["total"]["target"],
            figures["total"]["new"],
            figures["total"]["this_month"],
            figures["total"]["cumulative"],
            pct_text(figures["total"]["pct"]),
            figures["total"]["overdue"],
        ],
        numeric=[False] + [True] * 6,
        widths=[3, 1, 1, 1, 1, 1, 1],
    )


def _stream_table(s: dict) -> ReportTable:
    """A stream's detail lines and its dispositions."""
    return ReportTable(
        key=f"stream_{s['key']}",
        title=_("%(k)s %(l)s：主要指标") % {"k": s["key"], "l": s["label"]},
        headers=[_("指标"), _("数值"), _("单位")],
        rows=[[d["label"], d["value"], d["unit"]] for d in s["details"]]
        + [[_("处理决定：%(d)s") % {"d": d["label"]}, d["count"], ""] for d in s["dispositions"]],
        numeric=[False, True, False],
        widths=[5, 1.5, 1],
    )


def _jurisdiction_table(figures: dict) -> ReportTable:
    """五、分地区进展及排名."""
    j = figures["jurisdictions"]
    schedule = figures.get("schedule")
    return ReportTable(
        key="jurisdictions",
        title=_("五、分地区进展及排名（序时进度 %(s)s）") % {"s": pct_text(schedule)},
        headers=[
            _("行政区划"),
            _("目标数"),
            _("本月完成"),
            _("累计完成"),
            _("完成率"),
            _("序时进度差"),
            _("排名"),
            _("逾期"),
        ],
        rows=[
            [
                r["label"],
                r["target"],
                r["this_month"],
                r["cumulative"],
                pct_text(r["pct"]),
                gap_text(r.get("gap", _gap(r["pct"], schedule))),
                _rank_text(r.get("rank")),
                r["overdue"],
            ]
            for r in j["rows"]
        ],
        total=[
            _("合计"),
            j["total"]["target"],
            j["total"]["this_month"],
            j["total"]["cumulative"],
            pct_text(j["total"]["pct"]),
            gap_text(_gap(j["total"]["pct"], schedule)),
            "",
            j["total"]["overdue"],
        ],
        numeric=[False] + [True] * 7,
        widths=[3, 1, 1, 1, 1, 1.2, 0.8, 0.8],
    )


def _jurisdiction_streams_table(figures: dict) -> ReportTable:
    """（续）分地区分类进展: cumulative done and target per stream."""
    j = figures["jurisdictions"]
    keys = [s["key"] for s in figures["streams"]]
    return ReportTable(
        key="jurisdiction_streams",
        title=_("（续）分地区分类进展（累计完成/目标数）"),
        headers=[_("行政区划")]
        + [h for k in keys for h in (_("%(k)s目标") % {"k": k}, _("%(k)s完成") % {"k": k})],
        rows=[
            [r["label"]]
            + [v for k in keys for v in (r["streams"][k]["target"], r["streams"][k]["cumulative"])]
            for r in j["rows"]
        ],
        total=[_("合计")]
        + [
            v
            for k in keys
            for v in (
                j["total"]["streams"][k]["target"],
                j["total"]["streams"][k]["cumulative"],
            )
        ],
        numeric=[False] + [True] * (2 * len(keys)),
        widths=[3] + [1] * (2 * len(keys)),
    )


def _lagging_table(figures: dict) -> ReportTable:
    """六、进展滞后单位."""
    return ReportTable(
        key="lagging",
        title=_("六、进展滞后单位（完成率低于序时进度 %(n)s 个百分点以上）")
        % {"n": f"{getattr(settings, 'REPORT_LAG_POINTS', 10):g}"},
        headers=[
            _("行政区划"),
            _("完成率"),
            _("序时进度差"),
            _("排名"),
            _("未完成"),
            _("逾期"),
        ],
        rows=[
            [
                r["label"],
                pct_text(r["pct"]),
                gap_text(r["gap"]),
                _rank_text(r["rank"]),
                r["remaining"],
                r["overdue"],
            ]
            for r in figures.get("lagging", [])
        ],
        numeric=[False] + [True] * 5,
        widths=[3, 1, 1.2, 0.8, 1, 1],
    )


def _departments_table(figures: dict) -> ReportTable:
    """七、分部门进展."""
    progress_headers = [_("目标数"), _("本月完成"), _("累计完成"), _("完成率"), _("逾期")]
    d = figures["departments"]
    return ReportTable(
        key="departments",
        title=_("七、分部门进展"),
        headers=[_("责任部门"), _("行政区划"), *progress_headers],
        rows=[[r["name"], r["jurisdiction"], *_progress_cells(r)] for r in d["rows"]],
        total=[_("合计"), "", *_progress_cells(d["total"])],
        numeric=[False, False] + [True] * 5,
        widths=[3.2, 1.6, 1, 1, 1, 1, 1],
        wrap=[True, True] + [False] * 5,
    )


def _overdue_table(figures: dict) -> ReportTable:
    """附件1　逾期事项清单."""
    return ReportTable(
        key="overdue",
        title=_("附件1　逾期事项清单"),
        headers=[
            _("编号"),
            _("名称"),
            _("责任部门"),
            _("完成时限"),
            _("逾期天数"),
            _("最新逾期说明"),
        ],
        rows=[
            [
                o["reference"],
                o["title"],
                o["department"],
                o["deadline"],
                o["days"],
                o["explanation"],
            ]
            for o in figures["overdue"]
        ],
        numeric=[False, False, False, False, True, False],
        widths=[2.6, 3.2, 2, 1.5, 1, 3.2],
        wrap=[False, True, True, False, False, True],
    )


def _milestones_summary_table(figures: dict) -> ReportTable:
    """八、下月到期节点汇总."""
    return ReportTable(
        key="milestones_summary",
        title=_("八、下月到期节点汇总（%(m)s）") % {"m": figures["period"]["next_month"]},
        headers=[_("行政区划"), _("节点"), _("数量")],
        rows=[
            [m["jurisdiction"], m["milestone"], m["count"]]
            for m in figures.get("milestones_summary", [])
        ],
        total=[_("合计"), "", len(figures["milestones_next"])],
        numeric=[False, False, True],
        widths=[3, 4, 1.2],
    )


def _milestones_table(figures: dict) -> ReportTable:
    """附件2　下月到期节点清单 (the page and the PDF list DETAIL_LIMIT rows)."""
    return ReportTable(
        key="milestones",
        title=_("附件2　下月到期节点清单（%(m)s）") % {"m": figures["period"]["next_month"]},
        headers=[_("编号"), _("名称"), _("节点"), _("计划完成日期"), _("责任部门")],
        rows=[
            [m["reference"], m["title"], m["milestone"], m["due_date"], m["department"]]
            for m in figures["milestones_next"]
        ],
        numeric=[False] * 5,
        widths=[2.6, 3.8, 2.2, 1.5, 2.4],
        wrap=[False, True, True, False, True],
        limit=DETAIL_LIMIT,
    )


def report_tables(figures: dict) -> list[ReportTable]:
    from tracker.reports.figures.accountability_tables import (
        _redecisions_table,
        _withdrawals_table,
    )

    """Every table of the report, in order; keys name the CSV/XLSX downloads."""
    tables: list[ReportTable] = []
    if "headline" in figures:
        tables.append(_headline_table(figures))
    tables.append(_summary_table(figures))
    tables.extend(_stream_table(s) for s in figures["streams"])
    tables.append(_jurisdiction_table(figures))
    tables.append(_jurisdiction_streams_table(figures))
    tables.append(_lagging_table(figures))
    tables.append(_departments_table(figures))
    if "withdrawals" in figures:  # reports frozen before these figures existed have neither
        tables.append(_withdrawals_table(figures))
        tables.append(_redecisions_table(figures))
    tables.append(_overdue_table(figures))
    tables.append(_milestones_summary_table(figures))
    tables.append(_milestones_table(figures))
    for t in tables:
        n = len(t.headers)
        t.numeric = t.numeric or [False] * n
        t.widths = t.widths or [1] * n
        t.wrap = t.wrap or [False] * n
    # The body first, then the annexes (附件1 overdue list, 附件2 milestones due next month).
    annexes = {"overdue": 1, "milestones": 2}
    tables.sort(key=lambda t: annexes.get(t.key, 0))
    return tables


def table_by_key(figures: dict, key: str) -> ReportTable | None:
    for t in report_tables(figures):
        if t.key == key:
            return t
    return None
