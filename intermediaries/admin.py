from django.contrib import admin

from intermediaries.models import ApprovalItem
from tracker.cases.admin import ReadOnlyHistoryAdmin


@admin.register(ApprovalItem)
class ApprovalItemAdmin(ReadOnlyHistoryAdmin):
    list_display = ("name", "code", "department", "jurisdiction")
    list_filter = ("jurisdiction",)
    search_fields = ("name", "code")
    list_select_related = ("department", "jurisdiction")
