"""Credit and supervision of intermediary firms (中介机构诚信体系和监管体系).

Credit records (append-only, corrections supersede), versioned scoring rules, the abnormal and
black lists, random spot checks (双随机) and public complaints (投诉举报). Every model keeps
history (django-simple-history), so every row joins the audit chain; credit records and rule
versions are append-only in the database as well (see ``apps.CreditConfig.ready``).

A package by concern: ``base`` (grade bands, the append-only base), ``records`` (record kinds,
credit records), ``rules`` (scoring rules), ``lists`` (list entries, inspector links),
``spot_checks`` (plans, draws) and ``complaints``. Every model is imported here, so Django and
``intermediaries.credit.models.X`` find it, with the history models django-simple-history adds
to each sub-module (``HistoricalCreditRecord``…), as the module had them.
"""

from __future__ import annotations

from intermediaries.credit.models.base import (
    BANDS,
    AppendOnly,
)
from intermediaries.credit.models.complaints import (
    Complaint,
    ComplaintStatus,
    ComplaintSubject,
    HistoricalComplaint,
)
from intermediaries.credit.models.lists import (
    EntryBasis,
    ExitBasis,
    HistoricalInspectorLink,
    HistoricalListEntry,
    InspectorLink,
    ListEntry,
    ListType,
)
from intermediaries.credit.models.records import (
    CreditRecord,
    HistoricalCreditRecord,
    HistoricalRecordKind,
    RecordKind,
    RecordSource,
)
from intermediaries.credit.models.rules import (
    Decay,
    HistoricalScoringRule,
    ScoringRule,
)
from intermediaries.credit.models.spot_checks import (
    CandidateScope,
    CheckResult,
    HistoricalSpotCheckDraw,
    HistoricalSpotCheckPlan,
    HistoricalSpotCheckPlan_inspectors,
    PlanStatus,
    SpotCheckDraw,
    SpotCheckPlan,
)

__all__ = [
    "AppendOnly",
    "BANDS",
    "CandidateScope",
    "CheckResult",
    "Complaint",
    "ComplaintStatus",
    "ComplaintSubject",
    "CreditRecord",
    "Decay",
    "EntryBasis",
    "ExitBasis",
    "HistoricalComplaint",
    "HistoricalCreditRecord",
    "HistoricalInspectorLink",
    "HistoricalListEntry",
    "HistoricalRecordKind",
    "HistoricalScoringRule",
    "HistoricalSpotCheckDraw",
    "HistoricalSpotCheckPlan",
    "HistoricalSpotCheckPlan_inspectors",
    "InspectorLink",
    "ListEntry",
    "ListType",
    "PlanStatus",
    "RecordKind",
    "RecordSource",
    "ScoringRule",
    "SpotCheckDraw",
    "SpotCheckPlan",
]
