"""Charts as reportlab drawings: progress per jurisdiction and dispositions per stream."""

from __future__ import annotations

import math

from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String

from tracker.reports.charts import nice_step
from tracker.reports.pdf.layout import (
    BODY_W,
    CHART_CHUNK,
    SERIES,
)


def _bar_chart(
    labels: list[str], series: list[list[int]], names: list[str], font: str, title: str
) -> Drawing:
    """A horizontal bar chart (one bar per series per label) with a legend."""
    n = max(len(labels), 1)
    bar_h = 7 if len(series) > 1 else 9
    plot_h = n * (bar_h * len(series) + 6)
    label_w = min(190, 40 + 9 * max((len(lbl) for lbl in labels), default=4))
    height = plot_h + 50
    drawing = Drawing(BODY_W, height)
    drawing.initialFontName = font  # the renderer's opening state: not base-14 Helvetica
    drawing.add(String(0, height - 12, title, fontName=font, fontSize=9))
    chart = HorizontalBarChart()
    chart.x = label_w
    chart.y = 22
    chart.width = BODY_W - label_w - 20
    chart.height = plot_h
    # Draw the first label at the top: reportlab lays categories out bottom-up.
    chart.data = [list(reversed(s)) or [0] for s in series]
    chart.categoryAxis.categoryNames = list(reversed(labels)) or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.valueAxis.valueMin = 0
    top = max((max(s) for s in series if s), default=0)
    step = nice_step(top)
    chart.valueAxis.valueMax = step * (math.ceil(top / step) + (1 if top % step == 0 else 0))
    chart.valueAxis.valueStep = step
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = "%d"
    chart.barWidth = bar_h
    chart.groupSpacing = 6
    chart.barSpacing = 0
    for i in range(len(series)):
        chart.bars[i].fillColor = SERIES[i % len(SERIES)]
        chart.bars[i].strokeColor = None
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 6
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 2
    drawing.add(chart)
    if len(series) > 1:
        legend = Legend()
        legend.x = label_w
        legend.y = 8
        legend.fontName = font
        legend.fontSize = 7
        legend.alignment = "right"
        legend.columnMaximum = 1
        legend.deltax = 70
        legend.dx = 8
        legend.dy = 6
        legend.colorNamePairs = [(SERIES[i % len(SERIES)], names[i]) for i in range(len(series))]
        drawing.add(legend)
    return drawing


def jurisdiction_charts(figures: dict, font: str) -> list[Drawing]:
    rows = figures["jurisdictions"]["rows"]
    out = []
    for start in range(0, max(len(rows), 1), CHART_CHUNK):
        part = rows[start : start + CHART_CHUNK]
        out.append(
            _bar_chart(
                [r["label"] for r in part],
                [[r["target"] for r in part], [r["cumulative"] for r in part]],
                [_("目标数"), _("累计完成")],
                font,
                _("图1 各地区进展（目标数与累计完成）")
                + (f" ({start // CHART_CHUNK + 1})" if len(rows) > CHART_CHUNK else ""),
            )
        )
    return out


def disposition_charts(figures: dict, font: str) -> list[Drawing]:
    out = []
    for s in figures["streams"]:
        items = s["dispositions"]
        out.append(
            _bar_chart(
                [d["label"] for d in items],
                [[d["count"] for d in items]],
                [_("事项数")],
                font,
                _("图2-%(k)s %(l)s：处理决定分布") % {"k": s["key"], "l": s["label"]},
            )
        )
    return out
