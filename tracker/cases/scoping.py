"""Scoping: the one place that decides which jurisdictions, and so which cases, a user may see.

Every queryset of scoped objects goes through ``jurisdiction_filter``; every view that
loads a case goes through ``get_case_for_user`` (404 outside scope, never 403).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from tracker.cases.workflow import Role


def jurisdiction_filter(user, field: str = "jurisdiction") -> Q:
    """A Q restricting ``field`` (a Jurisdiction relation) to the user's subtree."""
    from tracker.models import Jurisdiction

    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser and user.jurisdiction_id is None:
        return Q()
    if user.jurisdiction_id is None:
        return Q(pk__in=[])
    subtree = Jurisdiction.objects.filter(path__startswith=user.jurisdiction.path).values("pk")
    return Q(**{f"{field}__in": subtree})


def jurisdictions_for(user):
    """The jurisdictions a user may see (their home jurisdiction and everything below)."""
    from tracker.models import Jurisdiction

    return Jurisdiction.objects.filter(jurisdiction_filter(user, "pk"))


def users_who_see(jurisdiction):
    """The users whose scope includes ``jurisdiction``: those homed at it or at one of its
    ancestors, and superusers without a jurisdiction (the inverse of ``jurisdiction_filter``)."""
    from tracker.models import User

    parts = [p for p in (jurisdiction.path or "").split("/") if p]
    ancestors = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    return User.objects.filter(
        Q(jurisdiction__path__in=ancestors) | Q(is_superuser=True, jurisdiction__isnull=True),
        is_active=True,
    )


def get_case_for_user(user, reference: str, queryset=None):
    """Load one case in the user's scope, or raise Http404."""
    from tracker.models import Case

    qs = (queryset if queryset is not None else Case.objects.all()).for_user(user)
    return get_object_or_404(qs, reference=reference)


def user_role(user) -> str | None:
    if not user.is_authenticated:
        return None
    if user.is_superuser and not user.role:
        return Role.ADMIN
    return user.role


def role_required(*roles: str) -> Callable:
    """View decorator: the user must be logged in (checked by login_required) and hold a role."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if user_role(request.user) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


READERS = (Role.STAFF, Role.ADMIN, Role.INSPECTOR)
EDITOR_ROLES = (Role.STAFF, Role.ADMIN)
ALL_ROLES = (Role.STAFF, Role.ADMIN, Role.INSPECTOR, Role.VIEWER)
