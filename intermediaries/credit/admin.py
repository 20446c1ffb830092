"""Django admin: the record kind catalogue and inspectors' links are reference data; records,
rule versions, lists, plans and complaints are read-only here (their pages and services write
them, with a reason and a document number)."""

from django.contrib import admin

from intermediaries.credit.models import (
    Complaint,
    CreditRecord,
    InspectorLink,
    ListEntry,
    RecordKind,
    ScoringRule,
    SpotCheckPlan,
)
from tracker.cases.admin import ReadOnlyHistoryAdmin


@admin.register(RecordKind)
class RecordKindAdmin(ReadOnlyHistoryAdmin):
    list_display = ("code", "name", "score_effect", "default_validity_days", "active")
    search_fields = ("code", "name")


@admin.register(InspectorLink)
class InspectorLinkAdmin(ReadOnlyHistoryAdmin):
    list_display = ("user", "department", "person_ref", "jurisdiction")
    list_select_related = ("user", "department", "jurisdiction")


class ViewOnlyAdmin(ReadOnlyHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CreditRecord)
class CreditRecordAdmin(ViewOnlyAdmin):
    list_display = ("firm", "kind", "effective_date", "expires_on", "source", "doc_no")
    list_filter = ("kind", "source")
    list_select_related = ("firm", "kind")


@admin.register(ScoringRule)
class ScoringRuleAdmin(ViewOnlyAdmin):
    list_display = ("version", "name", "doc_no", "effective_from")


@admin.register(ListEntry)
class ListEntryAdmin(ViewOnlyAdmin):
    list_display = ("firm", "list_type", "decision_no", "decision_date", "exited_on")
    list_select_related = ("firm",)


@admin.register(SpotCheckPlan)
class SpotCheckPlanAdmin(ViewOnlyAdmin):
    list_display = ("name", "status", "period_start", "period_end")


@admin.register(Complaint)
class ComplaintAdmin(ViewOnlyAdmin):
    list_display = ("tracking_code", "jurisdiction", "subject_type", "status", "due_date")
