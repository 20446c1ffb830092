"""Request middleware: a busy database answers a clear "try again" page (503), never a 500
with a traceback; session activity restarts the inactivity timeout without a write per request;
control characters are refused before any view runs (400); authenticated pages are never
cached by browsers or proxies."""

from __future__ import annotations

import logging
import re
import time

from django.conf import settings
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.cache import patch_cache_control

log = logging.getLogger("tracker.web.security")

BUSY_MARKERS = ("database is locked", "could not serialize access", "deadlock detected")


class DatabaseBusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError) and any(
            marker in str(exception).lower() for marker in BUSY_MARKERS
        ):
            log.warning("database_busy path=%s", request.path)
            body = loader.render_to_string("503.html", {}, request)
            response = HttpResponse(body, status=503)
            response["Retry-After"] = "5"
            return response
        return None


class SessionActivityMiddleware:
    """Inactivity expiry without a session write on every request.

    Django's ``SESSION_SAVE_EVERY_REQUEST`` rewrites the session row (a database write and
    commit) on every request to restart the inactivity timeout. Here the session is marked
    for saving, which restarts the same timeout, only when it was last restarted more than
    ``SESSION_ACTIVITY_RESOLUTION`` seconds ago (default 60): the timeout is the same to
    within that minute, and most requests write nothing."""

    KEY = "_activity"

    def __init__(self, get_response):
        self.get_response = get_response
        self.resolution = int(getattr(settings, "SESSION_ACTIVITY_RESOLUTION", 60))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        now = int(time.time())
        if session is not None and session.session_key:
            last = session.get(self.KEY)
            if not isinstance(last, int) or now - last >= self.resolution:
                session[self.KEY] = now  # modified: SessionMiddleware saves it
        response = self.get_response(request)
        # A session saved anyway (a login, a message) records its activity too; an empty
        # one (anonymous visitors, a logout) is never created for this.
        if session is not None and session.modified and not session.is_empty():
            session[self.KEY] = now
        return response


# C0 controls except tab, line feed and carriage return (a textarea's line breaks), DEL and
# the C1 controls. PostgreSQL refuses NUL in text outright (a 500 if it gets that far); the
# others have no business in a path, a query or a form field and only hide text.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# In a path or a query string even tab and line breaks are refused.
CONTROL_CHARS_STRICT = re.compile("[\x00-\x1f\x7f-\x9f]")


def control_character_problem(request: HttpRequest) -> str | None:
    """Where a control character was sent (path, query, form field), or None. An upload's
    file name needs no check here: Django's multipart parser drops non-printable characters."""
    if CONTROL_CHARS_STRICT.search(request.path):
        return "path"
    for key, values in request.GET.lists():
        if CONTROL_CHARS_STRICT.search(key) or any(CONTROL_CHARS_STRICT.search(v) for v in values):
            return "query"
    if request.method in ("POST", "PUT", "PATCH") and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        for key, values in request.POST.lists():
            if CONTROL_CHARS.search(key) or any(CONTROL_CHARS.search(v) for v in values):
                return "form"
    return None


class InputGuardMiddleware:
    """One guard for every request: a control character anywhere a user types answers 400
    before a view, a form or the database sees it (nothing is stored, nothing half-done)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        where = control_character_problem(request)
        if where is not None:
            log.warning("control_characters where=%s", where)
            body = loader.render_to_string("400.html", {"where": where}, request)
            return HttpResponse(body, status=400)
        return self.get_response(request)


class PrivateCacheMiddleware:
    """``Cache-Control: private, no-store`` on every response to a signed-in user: a shared
    proxy or the browser's back button never shows a case page after logout."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
            response.headers.pop("Expires", None)
        return response
