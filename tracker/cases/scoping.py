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

from tracker.cases import workflow
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


# Who may do what to a case in scope (``Case.objects.restrict(user, action)``).
ACTION_ROLES = {"view": workflow.READERS, "change": workflow.EDITORS}


def may(user, action: str) -> bool:
    if action not in ACTION_ROLES:
        raise ValueError(f"unknown action {action!r}")
    return user_role(user) in ACTION_ROLES[action]


def get_case_for_user(user, reference: str, queryset=None, action: str = "view"):
    """Load one case the user may ``action`` (in scope, with the role), or raise Http404."""
    from tracker.models import Case

    qs = (queryset if queryset is not None else Case.objects.all()).restrict(user, action)
    return get_object_or_404(qs, reference=reference)


# The access log's name for a page, where it differs from the URL name.
PAGE_TARGETS = {"case_detail": "case"}


def log_personal_read(request: HttpRequest, case) -> None:
    """The personal-information read log, written here for every case-bound page: a GET of a
    case of a personal kind (officials' posts) records who read which page of which case."""
    if request.method not in ("GET", "HEAD") or not case.kind_spec.personal:
        return
    from tracker.audit.services import access_log_record
    from tracker.models import AccessLog

    match = getattr(request, "resolver_match", None)
    name = match.url_name if match else "case"
    access_log_record(
        user=request.user,
        action=AccessLog.Action.VIEW,
        target=PAGE_TARGETS.get(name, name),
        reference=case.reference,
        query=request.GET.urlencode(),
    )


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


# The role sets live in the workflow module; these names are kept for the views.
READERS = workflow.READERS
EDITOR_ROLES = workflow.EDITORS
ALL_ROLES = workflow.ALL_ROLES
