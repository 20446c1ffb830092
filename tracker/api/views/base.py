"""What every API view shares: the documented errors, the request helpers, the base view and the cursor page."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import pagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tracker.api import serializers as s
from tracker.api.errors import ApiError
from tracker.api.models import ApiToken
from tracker.audit import services as audit_services
from tracker.cases import selectors
from tracker.cases.scoping import EDITOR_ROLES, READERS
from tracker.models import AccessLog, Case

ERRORS = {code: s.ErrorSerializer for code in (400, 401, 403, 404, 413, 429)}
PUBLIC_ERRORS = {code: s.ErrorSerializer for code in (400, 404, 413, 429)}


def list_schema(serializer, errors=None):
    """The documented answers of a list view: its (cursor) pages and the errors."""
    return extend_schema_view(
        get=extend_schema(responses={200: serializer(many=True), **(errors or ERRORS)})
    )


WRITE_ERRORS = {**ERRORS, 409: s.ErrorSerializer, 412: s.ErrorSerializer, 428: s.ErrorSerializer}
JSON_MAX_BYTES = 1024 * 1024


# --- helpers -------------------------------------------------------------------------------


def form_error(form) -> ApiError:
    """A page form's errors as the API's invalid-request error."""
    fields = {
        ("non_field_errors" if name == "__all__" else name): [str(m) for m in messages]
        for name, messages in form.errors.items()
    }
    flat = [m for msgs in fields.values() for m in msgs]
    return ApiError("invalid", 400, flat[0] if len(flat) == 1 else None, fields)


def prefixed_error(prefix: str, form) -> ApiError:
    error = form_error(form)
    error.fields = {f"{prefix}.{k}": v for k, v in error.fields.items()}
    return error


def etag(case: Case) -> str:
    return f'"{case.version}"'


def if_match(request: Request) -> int:
    """The case version the client read (If-Match: its ETag); required for updates."""
    raw = request.headers.get("If-Match", "").strip()
    if not raw:
        raise ApiError("precondition_required", 428)
    raw = raw.removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise ApiError("precondition_failed", 412, _("If-Match 的值不是有效的版本号。"))
    return int(raw)


def token_label(request: Request) -> str:
    token = request.auth
    return f"api token={token.name}#{token.pk}" if isinstance(token, ApiToken) else "api"


def log_personal(request: Request, case: Case, target: str) -> None:
    """Every API read of a personal-kind case is in the access log, with the token used."""
    if case.kind_spec.personal:
        audit_services.access_log_record(
            user=request.user,
            action=AccessLog.Action.VIEW,
            target=target,
            reference=case.reference,
            query=f"{token_label(request)} {request.GET.urlencode()}".strip(),
        )


def validated(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def subject_form(spec, data: dict, jurisdiction, instance=None):
    if spec.form_class is None:
        raise ApiError("invalid", 400, _("该类别不能通过接口登记。"))
    allowed = set(spec.form_class._meta.fields)
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ApiError(
            "invalid", 400, fields={f"subject.{name}": [_("未知字段。")] for name in unknown}
        )
    form = spec.form_class(data, instance=instance, jurisdiction=jurisdiction)
    if not form.is_valid():
        raise prefixed_error("subject", form)
    return form


def detail_response(request: Request, case: Case, code: int = 200) -> Response:
    case.api_milestones = selectors.case_milestones(case)
    case.api_evidence = selectors.case_evidence(case)
    response = Response(s.CaseDetailSerializer(case).data, status=code)
    response["ETag"] = etag(case)
    return response


class ApiView(APIView):
    """Every API view: JSON bodies of at most 1 MB (uploads: the evidence limit)."""

    roles = READERS
    write_roles = EDITOR_ROLES

    def initial(self, request, *args, **kwargs):
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = JSON_MAX_BYTES
        if request.content_type.startswith("multipart/"):
            limit = settings.EVIDENCE_MAX_BYTES + JSON_MAX_BYTES
        if not length.isdigit() or int(length) > limit:
            raise ApiError("too_large", 413)
        super().initial(request, *args, **kwargs)


class CursorPage(pagination.CursorPagination):
    ordering = "-id"
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
