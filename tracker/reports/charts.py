"""Server-side SVG charts (no JavaScript, no chart library): the report's charts for the web.

The same rows as the PDF charts: progress per jurisdiction (target vs cumulative done) and
dispositions per stream. Every text is escaped; the result is safe to put in a template.
"""

from __future__ import annotations

import math

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

COLORS = ["#9db4d6", "#1f4e8c"]
WIDTH = 640
ROW_GAP = 8
CHAR_W = 12  # approximate width of one CJK character at 12px


def nice_step(top: float, ticks: int = 5) -> int:
    """A round axis step (1, 2 or 5 times a power of ten) giving about ``ticks`` ticks."""
    raw = max(top / ticks, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * magnitude:
            return int(m * magnitude)
    return int(10 * magnitude)


def _nice_max(value: int) -> tuple[int, int]:
    step = nice_step(value)
    return step * (math.ceil(value / step) + (1 if value % step == 0 else 0)), step


def bar_chart_svg(
    labels: list[str],
    series: list[list[int]],
    names: list[str],
    title: str,
    chart_id: str = "",
) -> SafeString:
    """A horizontal bar chart: one group per label, one bar per series, values at bar ends."""
    n_series = max(len(series), 1)
    bar_h = 10 if n_series > 1 else 14
    group_h = bar_h * n_series + ROW_GAP
    label_w = min(220, 16 + CHAR_W * max((len(lbl) for lbl in labels), default=4))
    plot_w = WIDTH - label_w - 40
    top = 28
    plot_h = group_h * max(len(labels), 1)
    legend_h = 22 if n_series > 1 else 0
    height = top + plot_h + 24 + legend_h
    id_attr = f' id="{escape(chart_id)}"' if chart_id else ""
    vmax, step = _nice_max(max((max(s) for s in series if s), default=0))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-label="{escape(title)}"{id_attr}>',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for tick in range(0, vmax + 1, step):
        x = label_w + plot_w * tick / vmax
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="#e3e6ea"/>'
            f'<text x="{x:.1f}" y="{top + plot_h + 14}" font-size="10" text-anchor="middle" '
            f'fill="#666">{tick}</text>'
        )
    for i, label in enumerate(labels):
        y0 = top + i * group_h + ROW_GAP / 2
        parts.append(
            f'<text x="{label_w - 6}" y="{y0 + bar_h * n_series / 2 + 4:.1f}" font-size="12" '
            f'text-anchor="end">{escape(label)}</text>'
        )
        for s, values in enumerate(series):
            value = values[i] if i < len(values) else 0
            w = plot_w * value / vmax
            y = y0 + s * bar_h
            parts.append(
                f'<rect x="{label_w}" y="{y:.1f}" width="{w:.1f}" height="{bar_h - 1}" '
                f'fill="{COLORS[s % len(COLORS)]}"><title>{escape(label)} {escape(names[s])}: '
                f"{value}</title></rect>"
                f'<text x="{label_w + w + 3:.1f}" y="{y + bar_h - 2:.1f}" font-size="10" '
                f'fill="#333">{value}</text>'
            )
    parts.append(
        f'<line x1="{label_w}" y1="{top}" x2="{label_w}" y2="{top + plot_h}" stroke="#666"/>'
    )
    if n_series > 1:
        parts += _legend(names, x=label_w, y=top + plot_h + 24)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


def _legend(names: list[str], *, x: int, y: int) -> list[str]:
    """The legend under a chart: one colour swatch and name per series, left to right."""
    parts = []
    for s, name in enumerate(names):
        parts.append(
            f'<rect x="{x}" y="{y}" width="12" height="10" fill="{COLORS[s % len(COLORS)]}"/>'
            f'<text x="{x + 16}" y="{y + 9}" font-size="11">{escape(name)}</text>'
        )
        x += 24 + CHAR_W * len(name)
    return parts


def jurisdiction_chart(rows: list[dict]) -> SafeString:
    return bar_chart_svg(
        [r["label"] for r in rows],
        [[r["target"] for r in rows], [r["cumulative"] for r in rows]],
        [_("目标数"), _("累计完成")],
        _("各地区进展（目标数与累计完成）"),
        chart_id="chart-jurisdictions",
    )


def disposition_chart(stream: dict) -> SafeString:
    items = stream["dispositions"]
    return bar_chart_svg(
        [d["label"] for d in items],
        [[d["count"] for d in items]],
        [_("事项数")],
        _("%(k)s %(l)s：处理决定分布") % {"k": stream["key"], "l": stream["label"]},
        chart_id=f"chart-dispositions-{stream['key']}",
    )


def figures_charts(figures: dict) -> list[SafeString]:
    """The report's charts from its figures (report page)."""
    return [jurisdiction_chart(figures["jurisdictions"]["rows"])] + [
        disposition_chart(s) for s in figures["streams"]
    ]


def dashboard_charts(user, counts=None) -> list[SafeString]:
    """The same charts for the user's scope as of now (dashboard); ``counts``: the
    dashboard's ``selectors.scope_counts`` if it has them already."""
    from tracker.reports.figures import current_chart_data

    data = current_chart_data(user, counts)
    return [jurisdiction_chart(data["jurisdictions"]["rows"])] + [
        disposition_chart(s) for s in data["streams"]
    ]
