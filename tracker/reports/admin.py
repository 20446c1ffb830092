"""Admin for monthly reports: view only. Issued reports are never edited or deleted, drafts
change only through the report pages (tracker.reports.services). Import this module from
tracker/admin.py to register it."""

from django.contrib import admin

from tracker.cases.workflow import Role
from tracker.models import MonthlyReport


@admin.register(MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin):
    list_display = ("month", "jurisdiction", "state", "issued_by", "issued_at", "sha256")
    list_filter = ("state",)
    list_select_related = ("jurisdiction", "issued_by")
    search_fields = ("jurisdiction__name", "jurisdiction__code")
    show_full_result_count = False

    def _reform_admin(self, request) -> bool:
        user = request.user
        return user.is_active and (user.is_superuser or user.role == Role.ADMIN)

    def has_module_permission(self, request):
        return self._reform_admin(request)

    def has_view_permission(self, request, obj=None):
        return self._reform_admin(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}
