"""API permissions: a token is needed (read scope for reads, write scope for writes); what the
user's role and scope allow is decided by the services and scoping, as on the pages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from tracker.api.errors import ApiError
from tracker.api.models import ApiToken
from tracker.cases.scoping import user_role


class TokenScope(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, ApiToken):
            raise ApiError("unauthenticated", 401)
        safe = request.method in permissions.SAFE_METHODS
        roles = getattr(view, "roles" if safe else "write_roles", None)
        if roles is not None and user_role(request.user) not in roles:
            raise ApiError("forbidden", 403, _("您的角色不能访问该接口。"))
        if safe:
            return True
        if request.auth.scope != ApiToken.Scope.WRITE:
            raise ApiError("forbidden", 403, _("该令牌为只读令牌，不能修改数据。"))
        return True


class Public(permissions.BasePermission):
    """No token needed (the published catalogues)."""

    def has_permission(self, request, view) -> bool:
        return True  # the public views define GET only; other methods answer 405
