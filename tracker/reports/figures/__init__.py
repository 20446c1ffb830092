"""Monthly progress report (月报) selectors: every figure as of the month's end, from history.

The state of a case at the last moment of a month is the latest row of its history table
(django-simple-history) dated before the first moment of the next month; ties on the date go
to the row recorded last (highest history_id). That is computed in SQL, never by loading cases
one by one: one GROUP BY pass per history table finds, per object, the newest date up to month
end (and, for cases, before the month began, so "this month" = reached a status during the
month needs no second pass), an index probe turns each date into its history_id (PostgreSQL:
one sorted ARRAY_AGG instead), the ids of case, subject and key-milestone rows are paired per
case in a narrow pivot, and the rows are read by primary key and grouped by the dimensions.
Lists (overdue cases, milestones due next month) start from the ids that pass found, or from a
plain scan for candidates, and rank only those.

``build_report_figures(jurisdiction, month)`` returns a JSON-serialisable dict; the HTML page,
the PDF, the CSV and the XLSX all read it through ``report_tables`` (same rows everywhere).
Officials' posts (a personal kind) appear as counts only: titles and notes are masked in lists.

Cost at 100,000 cases / 2.2M history rows (SQLite, 2 CPUs): about 5-7 s for the figures,
2 s for the PDF, under 100 MB; an (id, history_date) index on the case history table, if a
migration adds one, is picked up and saves a third of the figures' time.

A package by concern: ``periods`` (the month and the report's constants), ``sql`` (helpers and
each object's latest history row), ``grouped`` (the scope and the grouped pass), ``tallies``,
``ranking`` (序时进度, ranks, 环比), ``lists`` (overdue cases, milestones due next month),
``build`` (the figures, the dashboard's chart data), ``tables`` (what every output shows),
``backdated`` (changes recorded after issue) and ``listing`` (which reports a user sees).
Every name is re-exported here: import from ``tracker.reports.figures``.
"""

from __future__ import annotations

from tracker.reports.figures.backdated import (
    NULL_ID,
    BackdatedChange,
    _aware,
    _before,
    _history_sources,
    backdated_changes,
)
from tracker.reports.figures.build import (
    _needs_prefilter,
    _report_session,
    _resolve_jurisdiction,
    build_report_figures,
    current_chart_data,
)
from tracker.reports.figures.grouped import (
    SUBJECT_DEFAULTS,
    Group,
    Scope,
    _grouped_states,
    _scope,
    _Sql,
)
from tracker.reports.figures.listing import reports_for
from tracker.reports.figures.lists import (
    PERSONAL_TEXT,
    PERSONAL_TITLE,
    _case_rows_sql,
    _milestone_summary,
    _milestones_next,
    _overdue_list,
    _personal_kinds,
)
from tracker.reports.figures.periods import (
    DETAIL_LIMIT,
    DONE_STATUSES,
    FIGURES_VERSION,
    MONTH_RE,
    OPEN_VALUES,
    REPORT_LANGUAGE,
    REPORT_TITLE,
    REPORT_WORK_MEM,
    REVIEWED_STATUSES,
    ZERO,
    Period,
    _first_of_next,
    _local_midnight,
    parse_month,
    period_for,
)
from tracker.reports.figures.ranking import (
    HEADLINE_KEYS,
    _month_start_total,
    _previous_report_total,
    headline,
    rank_places,
    schedule_pct,
)
from tracker.reports.figures.sql import (
    _ID_DATE_INDEX,
    _as_date,
    _d,
    _dt,
    _fetch,
    _hist_table,
    _id_agg,
    _id_date_index,
    _ids_in,
    _in_list,
    _index_named,
    _latest,
    _money,
    _rows,
    _source,
    _table,
)
from tracker.reports.figures.tables import (
    ReportTable,
    _gap,
    _headline_table,
    _progress_cells,
    _rank_text,
    change_text,
    gap_text,
    report_tables,
    table_by_key,
)
from tracker.reports.figures.tallies import (
    StreamLines,
    Tally,
    _choice_label,
    _current_jurisdiction_rows,
    _department_rows,
    _jurisdiction_rows,
    _row_in_period,
    _stream_block,
    _stream_details,
    _stream_key,
    _streams,
    _tally_rows,
    pct,
    pct_text,
)

__all__ = [
    "BackdatedChange",
    "DETAIL_LIMIT",
    "DONE_STATUSES",
    "FIGURES_VERSION",
    "Group",
    "HEADLINE_KEYS",
    "MONTH_RE",
    "NULL_ID",
    "OPEN_VALUES",
    "PERSONAL_TEXT",
    "PERSONAL_TITLE",
    "Period",
    "REPORT_LANGUAGE",
    "REPORT_TITLE",
    "REPORT_WORK_MEM",
    "REVIEWED_STATUSES",
    "ReportTable",
    "SUBJECT_DEFAULTS",
    "Scope",
    "StreamLines",
    "Tally",
    "ZERO",
    "_ID_DATE_INDEX",
    "_Sql",
    "_as_date",
    "_aware",
    "_before",
    "_case_rows_sql",
    "_choice_label",
    "_current_jurisdiction_rows",
    "_d",
    "_department_rows",
    "_dt",
    "_fetch",
    "_first_of_next",
    "_gap",
    "_grouped_states",
    "_headline_table",
    "_hist_table",
    "_history_sources",
    "_id_agg",
    "_id_date_index",
    "_ids_in",
    "_in_list",
    "_index_named",
    "_jurisdiction_rows",
    "_latest",
    "_local_midnight",
    "_milestone_summary",
    "_milestones_next",
    "_money",
    "_month_start_total",
    "_needs_prefilter",
    "_overdue_list",
    "_personal_kinds",
    "_previous_report_total",
    "_progress_cells",
    "_rank_text",
    "_report_session",
    "_resolve_jurisdiction",
    "_row_in_period",
    "_rows",
    "_scope",
    "_source",
    "_stream_block",
    "_stream_details",
    "_stream_key",
    "_streams",
    "_table",
    "_tally_rows",
    "backdated_changes",
    "build_report_figures",
    "change_text",
    "current_chart_data",
    "gap_text",
    "headline",
    "parse_month",
    "pct",
    "pct_text",
    "period_for",
    "rank_places",
    "report_tables",
    "reports_for",
    "schedule_pct",
    "table_by_key",
]
