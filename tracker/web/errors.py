"""Error pages in Chinese (and English), logged as security events where relevant.

The handlers below answer 400/403/404/500 in production (``handler400`` ... in the root URLconf).
With ``DEBUG`` on Django shows its own technical pages instead, which list every URL pattern and
look nothing like the app; ``AppErrorPagesMiddleware`` answers with the app's pages there too
(the demo runs with DEBUG on), unless ``TRACKER_APP_ERROR_PAGES`` is off for debugging.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.template import loader
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

security_log = logging.getLogger("tracker.web.security")
error_log = logging.getLogger("django.request")


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    reason = _("请求的参数有误或不完整，已拒绝，没有任何数据被修改。") if exception else ""
    body = loader.render_to_string("400.html", {"reason": reason}, request)
    return HttpResponse(body, status=400)


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
    body = loader.render_to_string("404.html", {"path": request.path}, request)
    return HttpResponse(body, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    body = loader.render_to_string("500.html", {})
    return HttpResponse(body, status=500)


class AppErrorPagesMiddleware:
    """With DEBUG on, answer errors with the app's pages instead of Django's technical ones."""

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def active() -> bool:
        return settings.DEBUG and getattr(settings, "TRACKER_APP_ERROR_PAGES", True)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.active():
            # An unknown URL fails before any view runs (and before process_exception).
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404:
                return page_not_found(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not self.active():
            return None
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return permission_denied(request, exception)
        if isinstance(exception, (BadRequest, SuspiciousOperation)):
            security_log.info(
                "bad_request path=%s error=%s", request.path, type(exception).__name__
            )
            return bad_request(request, exception)
        error_log.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"request": request},
        )
        return server_error(request)
