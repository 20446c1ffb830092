"""Request middleware: a busy database answers a clear "try again" page (503), never a 500
with a traceback; session activity restarts the inactivity timeout without a write per request."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

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
