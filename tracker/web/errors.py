"""Error pages in Chinese (and English), logged as security events where relevant."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.template import loader

security_log = logging.getLogger("tracker.web.security")


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    user = getattr(request, "user", None)
    security_log.info(
        "permission_denied path=%s user_id=%s",
        request.path,
        getattr(user, "pk", None),
    )
    message = str(exception) if exception and str(exception) else ""
    body = loader.render_to_string("403.html", {"message": message}, request)
    return HttpResponse(body, status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    body = loader.render_to_string("404.html", {}, request)
    return HttpResponse(body, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    body = loader.render_to_string("500.html", {})
    return HttpResponse(body, status=500)
