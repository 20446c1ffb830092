"""Django admin for reference data, managed by reform admins. History is read-only there."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from tracker.cases.tables import LIST_COLUMNS
from tracker.cases.workflow import Role
from tracker.models import Case, Department, Jurisdiction, User


def _is_reform_admin(request) -> bool:
    user = request.user
    return user.is_active and (user.is_superuser or user.role == Role.ADMIN)


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """Reference data for reform admins; history is read-only: no revert, no deletion."""

    def has_module_permission(self, request):
        return _is_reform_admin(request)

    def has_view_permission(self, request, obj=None):
        return _is_reform_admin(request)

    def has_add_permission(self, request):
        return _is_reform_admin(request)

    def has_change_permission(self, request, obj=None):
        return _is_reform_admin(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Every write carries a reason in history, also from the admin.
        fields = "、".join(str(form.fields[n].label) for n in form.changed_data if n in form.fields)
        obj._change_reason = f"系统管理：{'修改' if change else '新建'} {fields}".strip()
        super().save_model(request, obj, form, change)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied


@admin.register(Jurisdiction)
class JurisdictionAdmin(ReadOnlyHistoryAdmin):
    list_display = ("code", "name", "level", "parent", "valid_from", "valid_to")
    list_filter = ("level",)
    search_fields = ("code", "name")
    readonly_fields = ("path",)


@admin.register(Department)
class DepartmentAdmin(ReadOnlyHistoryAdmin):
    list_display = ("name", "short_name", "code", "jurisdiction")
    list_filter = ("jurisdiction",)
    search_fields = ("name", "short_name")
    list_select_related = ("jurisdiction",)


@admin.register(User)
class UserAdmin(BaseUserAdmin, ReadOnlyHistoryAdmin):
    list_display = ("username", "last_name", "first_name", "role", "jurisdiction", "is_active")
    list_filter = ("role", "is_active")
    list_select_related = ("jurisdiction",)
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("清理台账"), {"fields": ("role", "jurisdiction", "email_reminders")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("清理台账"), {"fields": ("role", "jurisdiction")}),
    )


@admin.register(Case)
class CaseAdmin(ReadOnlyHistoryAdmin):
    """Read-only in the admin: cases change only through the workflow service."""

    list_display = LIST_COLUMNS  # the case list's columns (compared with it by the bench)
    list_filter = ("kind", "status")
    list_select_related = ("jurisdiction", "department", "owner")
    search_fields = ("reference", "title")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
