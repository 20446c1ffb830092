"""Core models, one module per concern; import from ``tracker.models``."""

from tracker.models.access import AccessLog
from tracker.models.audit import AuditChainEntry, AuditChainHead, AuditVerification
from tracker.models.catalogue import CatalogueEdition
from tracker.models.core import (
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
from tracker.models.imports import ImportBatch
from tracker.models.inspection import CaseFlag, InspectionNote, ReviewMarker
from tracker.models.notifications import Notification
from tracker.models.redflags import RedFlagHit, RedFlagState
from tracker.models.reports import MonthlyReport

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
    "ImportBatch",
    "InspectionNote",
    "Jurisdiction",
    "Milestone",
    "Note",
    "Notification",
    "RedFlagHit",
    "RedFlagState",
    "MonthlyReport",
    "ReferenceCounter",
    "ReviewMarker",
    "User",
    "end_of_year",
    "evidence_upload_to",
]
