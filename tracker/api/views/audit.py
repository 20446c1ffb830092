"""History through the API: a case's timeline, its state as of a moment, the audit log."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from tracker.api import serializers as s
from tracker.api.errors import ApiError
from tracker.api.views.base import (
    ERRORS,
    ApiView,
    form_error,
    log_personal,
    token_label,
)
from tracker.audit import services as audit_services
from tracker.audit import timeline
from tracker.audit.forms import AuditFilterForm
from tracker.audit.selectors import AUDITORS
from tracker.cases import selectors
from tracker.models import AccessLog


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
        raise ApiError("invalid", 400, fields={"page": [_("页码须为正整数。")]})
    return int(raw)


def timeline_response(result: timeline.TimelinePage, page: int) -> Response:
    has_next = bool(result.page and result.page.has_next())
    return Response(
        s.TimelinePageSerializer(
            {
                "count": result.count,
                "page": page,
                "next_page": page + 1 if has_next else None,
                "results": result.entries,
            }
        ).data
    )


PAGE_PARAM = OpenApiParameter("page", int, OpenApiParameter.QUERY)


class TimelineView(ApiView):
    @extend_schema(parameters=[PAGE_PARAM], responses={200: s.TimelinePageSerializer, **ERRORS})
    def get(self, request: Request, reference: str) -> Response:
        """The case's merged history, newest first, 50 entries a page."""
        case = selectors.case_detail(request.user, reference)
        log_personal(request, case, "api:case_history")
        page = _page_number(request)
        result = timeline.case_timeline(case, page=page, per_page=50)
        if result.page is not None and page > result.page.paginator.num_pages:
            raise ApiError("not_found", 404)
        return timeline_response(result, page)


class AsOfView(ApiView):
    @extend_schema(
        parameters=[OpenApiParameter("at", str, OpenApiParameter.QUERY, required=True)],
        responses={200: s.CaseStateSerializer, **ERRORS},
    )
    def get(self, request: Request, reference: str) -> Response:
        """The whole case as it stood at ``at`` (YYYY-MM-DD or YYYY-MM-DDTHH:MM)."""
        case = selectors.case_detail(request.user, reference)
        log_personal(request, case, "api:case_as_of")
        try:
            at = timeline.parse_as_of(request.query_params.get("at", ""))
        except timeline.TimelineError as exc:
            raise ApiError("invalid", 400, str(exc), {"at": [str(exc)]}) from exc
        state = timeline.case_state_as_of(case, at)
        if state is None:
            raise ApiError("not_found", 404, _("该事项在该时间尚未登记。"))
        return Response(
            s.CaseStateSerializer(
                {
                    "at": state.at,
                    "case": state.case,
                    "subject": [
                        {"label": str(v.label), "value": str(v.value)} for v in state.subject_fields
                    ],
                    "milestones": state.milestones,
                    "evidence": state.evidence,
                }
            ).data
        )


# --- audit, red flags, reports, catalogues -----------------------------------------------


class AuditLogView(ApiView):
    roles = AUDITORS

    @extend_schema(parameters=[PAGE_PARAM], responses={200: s.TimelinePageSerializer, **ERRORS})
    def get(self, request: Request) -> Response:
        """Every change in scope, newest first, with the audit page's filters."""
        data = request.query_params.copy()
        data.pop("page", None)
        form = AuditFilterForm(data or None, viewer=request.user)
        if form.is_bound and not form.is_valid():
            raise form_error(form)
        page = _page_number(request)
        result = timeline.audit_log(request.user, form.filters(), page=page, per_page=50)
        personal = sorted(
            {e.case.reference for e in result.entries if e.case and e.case.kind_spec.personal}
        )
        if personal:
            audit_services.access_log_record(
                user=request.user,
                action=AccessLog.Action.VIEW,
                target="api:audit_log",
                query=f"{token_label(request)} {request.GET.urlencode()} cases={','.join(personal)}",
                row_count=len(result.entries),
            )
        return timeline_response(result, page)
