"""One JSON error shape for every API answer that is not a success:

    {"error": {"code": "...", "message_zh": "...", "message_en": "...", "fields": {...}}}

``fields`` maps a request field to its messages (empty when the error names no field).
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response

logger = logging.getLogger(__name__)

# Default messages per code, used when an exception's own text has no English translation.
DEFAULTS = {
    "invalid": (_("提交的数据有误。"), "The request data is invalid."),
    "malformed": (_("请求内容不是有效的 JSON。"), "The request body is not valid JSON."),
    "unauthenticated": (_("缺少或无效的接口令牌。"), "Missing or invalid API token."),
    "forbidden": (_("没有权限执行此操作。"), "You may not do this."),
    "not_found": (_("未找到，或不在您的管辖范围内。"), "Not found, or outside your scope."),
    "method_not_allowed": (_("不支持该请求方法。"), "Method not allowed."),
    "unsupported_media_type": (_("不支持的内容类型。"), "Unsupported media type."),
    "not_acceptable": (_("无法提供所请求的格式。"), "Cannot answer in the requested format."),
    "throttled": (_("请求过于频繁，请稍后再试。"), "Too many requests; try again later."),
    "too_large": (_("请求内容过大。"), "The request body is too large."),
    "precondition_required": (
        _("请在 If-Match 请求头中提供事项的当前版本（ETag）。"),
        "Send the case's current version (its ETag) in an If-Match header.",
    ),
    "precondition_failed": (
        _("该事项已被他人修改，请重新读取后再提交。"),
        "The case changed since you read it; read it again and resubmit.",
    ),
    "refused": (_("该操作不被允许。"), "The action was refused."),
    "server_error": (_("服务器内部错误。"), "Internal server error."),
    "unavailable": (_("系统繁忙，请稍后重试。"), "The service is busy; try again shortly."),
}


class ApiError(exceptions.APIException):
    """An API error with its code, HTTP status and (optional) field messages."""

    def __init__(self, code: str, status_code: int, message=None, fields: dict | None = None):
        self.code = code
        self.status_code = status_code
        self.message = message
        self.fields = fields or {}
        super().__init__(detail=str(message or DEFAULTS[code][0]), code=code)


def _english(text: str) -> str | None:
    """The English catalogue's translation of a Chinese message, if it has one."""
    with translation.override("en"):
        translated = translation.gettext(text)
    return translated if translated != text else None


def _flatten(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                for sub, msgs in _flatten(value).items():
                    out[f"{key}.{sub}"] = msgs
            elif isinstance(value, list):
                out[key] = [str(v) for v in value]
            else:
                out[key] = [str(value)]
        return out
    return {}


def error_body(code: str, message=None, fields: dict | None = None) -> dict:
    default_zh, default_en = DEFAULTS.get(code, DEFAULTS["invalid"])
    with translation.override("zh-hans"):
        zh = str(message) if message else str(default_zh)
    en = _english(zh) or default_en
    return {
        "error": {
            "code": code,
            "message_zh": zh,
            "message_en": en,
            "fields": {k: [str(m) for m in v] for k, v in (fields or {}).items()},
        }
    }


def error_response(code: str, status_code: int, message=None, fields=None, headers=None):
    return Response(error_body(code, message, fields), status=status_code, headers=headers)


def exception_handler(exc, context):
    """DRF's exception handler: every error in the one shape."""
    if isinstance(exc, ApiError):
        return error_response(exc.code, exc.status_code, exc.message, exc.fields)
    if isinstance(exc, DjangoValidationError):
        fields = {
            ("non_field_errors" if k == "__all__" else k): [str(m) for e in v for m in e.messages]
            for k, v in getattr(exc, "error_dict", {}).items()
        }
        message = "；".join(exc.messages) if not fields else None
        if fields and len(exc.messages) == 1:
            message = exc.messages[0]
        return error_response("invalid", 400, message, fields)
    if isinstance(exc, RequestDataTooBig):
        return error_response("too_large", 413)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return error_response("not_found", 404)
    if isinstance(exc, DjangoPermissionDenied):
        return error_response("forbidden", 403, str(exc) or None)
    if isinstance(exc, exceptions.ParseError):
        return error_response("malformed", 400)
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        if isinstance(exc.detail, list):
            fields = {"non_field_errors": [str(m) for m in exc.detail]}
        only = [m for msgs in fields.values() for m in msgs]
        return error_response("invalid", 400, only[0] if len(only) == 1 else None, fields)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        message = None if isinstance(exc, exceptions.NotAuthenticated) else str(exc.detail)
        return error_response(
            "unauthenticated", 401, message, headers={"WWW-Authenticate": "Bearer"}
        )
    if isinstance(exc, exceptions.PermissionDenied):
        detail = str(exc.detail)
        return error_response(
            "forbidden", 403, None if detail == str(exc.default_detail) else detail
        )
    if isinstance(exc, exceptions.Throttled):
        headers = {"Retry-After": str(int(exc.wait or 1))}
        return error_response("throttled", 429, headers=headers)
    if isinstance(exc, exceptions.MethodNotAllowed):
        return error_response("method_not_allowed", 405)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return error_response("unsupported_media_type", 415)
    if isinstance(exc, exceptions.NotAcceptable):
        return error_response("not_acceptable", 406)
    if isinstance(exc, exceptions.APIException):
        return error_response("invalid", exc.status_code, str(exc.detail))
    logger.exception("API error", exc_info=exc)
    return error_response("server_error", status.HTTP_500_INTERNAL_SERVER_ERROR)
