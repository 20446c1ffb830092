"""A busy database answers a clear "try again" page (503), never a 500 with a traceback."""

from __future__ import annotations

import logging

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

log = logging.getLogger("tracker.security")

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
