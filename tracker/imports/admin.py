"""Django admin for the department aliases the import resolves names with."""

from django.contrib import admin

from tracker.cases.admin import ReadOnlyHistoryAdmin
from tracker.models import DepartmentAlias


@admin.register(DepartmentAlias)
class DepartmentAliasAdmin(ReadOnlyHistoryAdmin):
    list_display = ("alias", "full_form", "department", "jurisdiction", "created_at")
    list_filter = ("jurisdiction",)
    search_fields = ("alias", "full_form", "department__name")
    autocomplete_fields = ()
    raw_id_fields = ("department",)
