"""History readers: the case timeline, versions (as-of, compare) and the global audit log.

Every page that shows history reads it through here. A page of history is built with a
constant number of queries, whatever the number of events:

1. an *index*: one ``UNION ALL`` over the history tables involved (source key, history id,
   time), filtered and scoped in SQL, ordered and sliced by the database, plus one COUNT;
2. *hydration* of that page only: per history table one query for the page's rows and their
   predecessors (to diff against), one per many-to-many snapshot, and one per related model
   for display names (choice labels and names, never ids).

Versions are whole-case states rebuilt from history rows at a moment (``case_state_as_of``);
``compare_states`` lines two of them up field by field.

A package by concern: ``source_specs`` (actions and one source per history table),
``entries`` (display values, the entries), ``index`` (the UNION ALL index), ``hydration``,
``pages`` (the case timeline), ``versions`` (points, as-of states), ``compare`` and ``log``
(the global audit log, the review queue). Every name is re-exported here: import from
``tracker.audit.timeline``.
"""

from __future__ import annotations

from tracker.audit.timeline.compare import (
    CASE_COMPARE_FIELDS,
    CompareRow,
    CompareSection,
    _case_values,
    _evidence_text,
    _milestone_text,
    compare_states,
)
from tracker.audit.timeline.entries import SKIP_FIELDS, Change, TimelineEntry, diff_fields, display
from tracker.audit.timeline.hydration import (
    _action,
    _changes,
    _effective_date,
    _fold_registrations,
    _load_rows,
    _m2m_snapshots,
    _names,
    _names_of,
    _object_label,
    _want_relations,
    hydrate,
)
from tracker.audit.timeline.index import (
    _case_parts,
    _index_part,
    _registration_q,
    _status_before,
    _union,
    _with_action,
    _without_registration_rows,
)
from tracker.audit.timeline.log import (
    AuditFilters,
    _text_q,
    audit_index,
    audit_log,
    audit_rows,
    review_queue,
)
from tracker.audit.timeline.pages import (
    TimelinePage,
    _paginate,
    case_history,
    case_timeline,
    case_timeline_users,
    count_since,
    mark_review,
)
from tracker.audit.timeline.source_specs import (
    ACTION_LABELS,
    ACTIONS,
    CASE_PATH,
    M2MSpec,
    Source,
    TimelineError,
    _m2m_specs,
    case_sources,
    sources,
)
from tracker.audit.timeline.versions import (
    AS_OF_RE,
    POINT_RE,
    CaseState,
    Point,
    SubjectValue,
    _attach_related,
    _latest_per_object,
    _subject_values,
    _want_instance_relations,
    case_state_as_of,
    parse_as_of,
    resolve_point,
)

__all__ = [
    "ACTIONS",
    "ACTION_LABELS",
    "AS_OF_RE",
    "AuditFilters",
    "CASE_COMPARE_FIELDS",
    "CASE_PATH",
    "CaseState",
    "Change",
    "CompareRow",
    "CompareSection",
    "M2MSpec",
    "POINT_RE",
    "Point",
    "SKIP_FIELDS",
    "Source",
    "SubjectValue",
    "TimelineEntry",
    "TimelineError",
    "TimelinePage",
    "_action",
    "_attach_related",
    "_case_parts",
    "_case_values",
    "_changes",
    "_effective_date",
    "_evidence_text",
    "_fold_registrations",
    "_index_part",
    "_latest_per_object",
    "_load_rows",
    "_m2m_snapshots",
    "_m2m_specs",
    "_milestone_text",
    "_names",
    "_names_of",
    "_object_label",
    "_paginate",
    "_registration_q",
    "_status_before",
    "_subject_values",
    "_text_q",
    "_union",
    "_want_instance_relations",
    "_want_relations",
    "_with_action",
    "_without_registration_rows",
    "audit_index",
    "audit_log",
    "audit_rows",
    "case_history",
    "case_sources",
    "case_state_as_of",
    "case_timeline",
    "case_timeline_users",
    "compare_states",
    "count_since",
    "diff_fields",
    "display",
    "hydrate",
    "mark_review",
    "parse_as_of",
    "resolve_point",
    "review_queue",
    "sources",
]
