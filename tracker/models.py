"""Core models, one module per concern; import from ``tracker.models``."""

from tracker.audit.models import (
    AccessLog,
    AuditChainEntry,
    AuditChainHead,
    AuditVerification,
    CaseFlag,
    InspectionNote,
    ReviewMarker,
)
from tracker.cases.decisions import SupersededDecision
from tracker.cases.models import (
    Case,
    CaseQuerySet,
    Department,
    Evidence,
    Jurisdiction,
    Milestone,
    Note,
    ReferenceCounter,
    User,
    end_of_year,
    evidence_upload_to,
)
from tracker.cases.withdrawals import WithdrawalRequest
from tracker.catalogue.models import CatalogueEdition
from tracker.deadlines.models import Notification
from tracker.imports.models import DepartmentAlias, ImportBatch
from tracker.redflags.models import RedFlagHit, RedFlagState
from tracker.reports.models import MonthlyReport

__all__ = [
    "AccessLog",
    "AuditChainEntry",
    "AuditChainHead",
    "AuditVerification",
    "Case",
    "CaseFlag",
    "CaseQuerySet",
    "CatalogueEdition",
    "Department",
    "Evidence",
    "DepartmentAlias",
    "ImportBatch",
    "InspectionNote",
    "Jurisdiction",
    "Milestone",
    "Note",
    "Notification",
    "RedFlagHit",
    "RedFlagState",
    "SupersededDecision",
    "WithdrawalRequest",
    "MonthlyReport",
    "ReferenceCounter",
    "ReviewMarker",
    "User",
    "end_of_year",
    "evidence_upload_to",
]
