"""API v1 views. Each one reads through the same selectors and scoping as the pages (another
jurisdiction's case answers 404), validates with the pages' forms and writes through the same
services, so every rule, reason, version check and history entry applies."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, pagination, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tracker.api import serializers as s
from tracker.api.errors import ApiError
from tracker.api.models import ApiToken, WebhookDelivery, WebhookSubscription
from tracker.api.permissions import Public
from tracker.audit import services as audit_services
from tracker.audit import timeline
from tracker.audit.forms import AuditFilterForm
from tracker.audit.selectors import AUDITORS
from tracker.cases import selectors, services
from tracker.cases.filters import CaseFilterSet
from tracker.cases.forms import (
    CaseForm,
    EvidenceForm,
    MilestoneCompleteForm,
    NoteForm,
    TransitionForm,
)
from tracker.cases.models import end_of_year
from tracker.cases.registry import get_kind, kind_choices
from tracker.cases.scoping import EDITOR_ROLES, READERS, jurisdiction_filter, jurisdictions_for
from tracker.cases.workflow import Role
from tracker.models import AccessLog, Case, CatalogueEdition, MonthlyReport
from tracker.redflags import rules as redflags
from tracker.redflags.rows import live_hits

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


def is_m2m(spec, name: str) -> bool:
    return spec.subject_model._meta.get_field(name).many_to_many


def split_subject(spec, cleaned: dict) -> tuple[dict, dict]:
    plain = {k: v for k, v in cleaned.items() if not is_m2m(spec, k)}
    m2m = {k: v for k, v in cleaned.items() if is_m2m(spec, k)}
    return plain, m2m


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


# --- cases ---------------------------------------------------------------------------------


class ApiCaseFilterSet(CaseFilterSet):
    """The list page's filterset, bound to the token's user."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset=queryset, request=request, prefix=prefix, user=request.user)


class CaseListView(ApiView, generics.ListAPIView):
    """Cases in scope, with the same filters as the list page, newest first (cursor pages)."""

    serializer_class = s.CaseSerializer
    pagination_class = CursorPage
    filter_backends = [DjangoFilterBackend]
    filterset_class = ApiCaseFilterSet

    def get_queryset(self):
        return selectors.case_list(self.request.user)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        personal = [c.reference for c in page if c.kind_spec.personal]
        if personal:
            audit_services.access_log_record(
                user=request.user,
                action=AccessLog.Action.VIEW,
                target="api:case_list",
                query=f"{token_label(request)} {request.GET.urlencode()} cases={','.join(personal)}",
                row_count=len(page),
            )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses={200: s.CaseSerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.CaseCreateSerializer, responses={201: s.CaseDetailSerializer, **WRITE_ERRORS}
    )
    def post(self, request: Request) -> Response:
        """Register a case (reason required), validated like the page's form."""
        data = validated(s.CaseCreateSerializer, request)
        if data["kind"] not in dict(kind_choices()):
            raise ApiError("invalid", 400, fields={"kind": [_("未知的类别。")]})
        spec = get_kind(data["kind"])
        jurisdiction = jurisdictions_for(request.user).filter(code=data["jurisdiction"]).first()
        if jurisdiction is None:
            raise ApiError(
                "invalid", 400, fields={"jurisdiction": [_("行政区划不存在或不在您的管辖范围内。")]}
            )
        registered = data.get("registered_on")
        form_data = {
            "department": data["department"],
            "owner": data.get("owner") or "",
            "registered_on": registered or "",
            "deadline": data.get("deadline") or end_of_year(registered),
        }
        if not registered:
            form_data.pop("registered_on")
        case_form = CaseForm(form_data, jurisdiction=jurisdiction, user=request.user, editing=False)
        if not registered:
            case_form.fields["registered_on"].required = False
        if not case_form.is_valid():
            raise form_error(case_form)
        plain, m2m = split_subject(
            spec, subject_form(spec, data["subject"], jurisdiction).cleaned_data
        )
        case_fields = {k: v for k, v in case_form.cleaned_data.items() if v is not None}
        case = services.case_create(
            kind=spec,
            jurisdiction=jurisdiction,
            by=request.user,
            case_fields=case_fields,
            subject_fields=plain,
            m2m=m2m,
            reason=data["reason"],
        )
        response = detail_response(
            request, selectors.case_detail(request.user, case.reference), 201
        )
        response["Location"] = f"/api/v1/cases/{case.reference}/"
        return response


class CaseDetailView(ApiView):
    @extend_schema(responses={200: s.CaseDetailSerializer, **ERRORS})
    def get(self, request: Request, reference: str) -> Response:
        """One case with its subject, milestones and evidence; ETag = its version."""
        case = selectors.case_detail(request.user, reference)
        log_personal(request, case, "api:case")
        return detail_response(request, case)

    @extend_schema(
        request=s.CaseUpdateSerializer,
        responses={200: s.CaseDetailSerializer, **WRITE_ERRORS},
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True)],
    )
    def patch(self, request: Request, reference: str) -> Response:
        """Edit a case (reason and If-Match required); a stale version answers 412."""
        case = selectors.case_detail(request.user, reference)
        expected = if_match(request)
        if case.version != expected:  # checked again by case_update under the row lock
            raise ApiError("precondition_failed", 412)
        data = validated(s.CaseUpdateSerializer, request)
        spec = case.kind_spec
        form_data = {
            "department": data.get("department", case.department_id),
            "owner": data.get("owner", case.owner_id) or "",
            "registered_on": case.registered_on,
            "deadline": data.get("deadline", case.deadline),
            "reason": data["reason"],
        }
        case_form = CaseForm(
            form_data,
            instance=case,
            jurisdiction=case.jurisdiction,
            user=request.user,
            editing=True,
        )
        if not case_form.is_valid():
            raise form_error(case_form)
        subject_values = {**s.subject_data(case), **data.get("subject", {})}
        form = subject_form(spec, subject_values, case.jurisdiction, instance=case.subject)
        plain, m2m = split_subject(spec, form.cleaned_data)
        fields = {k: case_form.cleaned_data[k] for k in ("department", "owner", "deadline")}
        try:
            services.case_update(
                case=case,
                by=request.user,
                expected_version=expected,
                case_fields=fields,
                subject_fields=plain,
                m2m=m2m,
                reason=case_form.cleaned_data["reason"],
            )
        except services.StaleEdit as exc:
            raise ApiError("precondition_failed", 412, str(exc)) from exc
        return detail_response(request, selectors.case_detail(request.user, reference))


class CaseTransitionView(ApiView):
    @extend_schema(
        request=s.TransitionSerializer,
        responses={200: s.CaseDetailSerializer, **WRITE_ERRORS},
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True)],
    )
    def post(self, request: Request, reference: str) -> Response:
        """Move a case along one workflow edge (reason and If-Match required)."""
        case = selectors.case_detail(request.user, reference)
        expected = if_match(request)
        if case.version != expected:
            raise ApiError("precondition_failed", 412)
        data = validated(s.TransitionSerializer, request)
        target = data["to"]
        form = TransitionForm(
            {k: v for k, v in data.items() if k != "to"}, case=case, target=target
        )
        if not form.is_valid():
            raise form_error(form)
        decision = None
        if form.deciding:
            decision = services.Decision(
                form.cleaned_data["disposition"],
                form.cleaned_data["decision_doc_no"],
                form.cleaned_data["decision_date"],
            )
        with transaction.atomic():
            # The version check and the change under one row lock (the service re-locks it).
            current = Case.objects.select_for_update().get(pk=case.pk)
            if current.version != expected:
                raise ApiError("precondition_failed", 412)
            try:
                services.case_transition(
                    case=current,
                    to=target,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    decision=decision,
                )
            except services.TransitionRefused as exc:
                raise ApiError("refused", 409, str(exc)) from exc
        return detail_response(request, selectors.case_detail(request.user, reference))


class MilestoneCompleteView(ApiView):
    @extend_schema(
        request=s.MilestoneCompleteSerializer,
        responses={200: s.MilestoneSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, reference: str, code: str) -> Response:
        """Record that a milestone happened (effective date, document number or evidence)."""
        case = selectors.case_detail(request.user, reference)
        milestone = get_object_or_404(case.milestones, code=code)
        data = validated(s.MilestoneCompleteSerializer, request)
        form = MilestoneCompleteForm(
            {k: ("" if v is None else v) for k, v in data.items() if k != "reason"},
            milestone=milestone,
        )
        if not form.is_valid():
            raise form_error(form)
        done = services.milestone_complete(
            milestone=milestone,
            by=request.user,
            effective_date=form.cleaned_data["effective_date"],
            doc_no=form.cleaned_data["doc_no"],
            evidence=form.cleaned_data["evidence"],
            comment=form.cleaned_data["comment"],
            reason=data["reason"],
        )
        return Response(s.MilestoneSerializer(done).data)


class EvidenceView(ApiView):
    @extend_schema(responses={200: s.EvidenceSerializer(many=True), **ERRORS})
    def get(self, request: Request, reference: str) -> Response:
        case = selectors.case_detail(request.user, reference)
        log_personal(request, case, "api:evidence")
        return Response(s.EvidenceSerializer(selectors.case_evidence(case), many=True).data)

    @extend_schema(
        request={"multipart/form-data": s.EvidenceUploadSerializer},
        responses={201: s.EvidenceSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, reference: str) -> Response:
        """Upload a document (multipart) or record a document number, with a reason."""
        case = selectors.case_detail(request.user, reference)
        fields = {k: v for k, v in request.data.items() if k != "file"}
        unknown = sorted(set(fields) - set(s.EvidenceUploadSerializer().fields))
        if unknown:
            raise ApiError("invalid", 400, fields={n: [_("未知字段。")] for n in unknown})
        if not (request.data.get("reason") or "").strip():
            raise ApiError("invalid", 400, fields={"reason": [_("请填写原因。")]})
        form = EvidenceForm(fields, request.FILES, case=case)
        if not form.is_valid():
            raise form_error(form)
        evidence = services.evidence_add(
            case=case,
            by=request.user,
            title=form.cleaned_data["title"],
            upload=form.cleaned_data["file"],
            doc_no=form.cleaned_data["doc_no"],
            issuing_body=form.cleaned_data["issuing_body"],
            effective_date=form.cleaned_data["effective_date"],
            milestone=form.cleaned_data["milestone"],
            max_bytes=settings.EVIDENCE_MAX_BYTES,
            reason=request.data["reason"].strip(),
        )
        return Response(s.EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)


class NoteView(ApiView):
    @extend_schema(responses={200: s.NoteSerializer(many=True), **ERRORS})
    def get(self, request: Request, reference: str) -> Response:
        case = selectors.case_detail(request.user, reference)
        log_personal(request, case, "api:notes")
        return Response(s.NoteSerializer(selectors.case_notes(case), many=True).data)

    @extend_schema(
        request=s.NoteCreateSerializer, responses={201: s.NoteSerializer, **WRITE_ERRORS}
    )
    def post(self, request: Request, reference: str) -> Response:
        """Append a note (the note's text is its own reason; notes are never edited)."""
        case = selectors.case_detail(request.user, reference)
        data = validated(s.NoteCreateSerializer, request)
        form = NoteForm(data)
        if not form.is_valid():
            raise form_error(form)
        note = services.note_add(case=case, by=request.user, text=form.cleaned_data["text"])
        return Response(s.NoteSerializer(note).data, status=status.HTTP_201_CREATED)


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


class RedFlagPage(CursorPage):
    ordering = "id"


@list_schema(s.RedFlagSerializer)
class RedFlagListView(ApiView, generics.ListAPIView):
    """The red flags raised by cases in scope now (reform admins and inspectors)."""

    roles = (Role.ADMIN, Role.INSPECTOR)
    serializer_class = s.RedFlagSerializer
    pagination_class = RedFlagPage

    def get_queryset(self):
        redflags.sync()
        return (
            live_hits()
            .filter(jurisdiction_filter(self.request.user, "jurisdiction"))
            .select_related("case")
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        labels = {code: str(label) for code, label in redflags.rule_labels().items()}
        for hit in page:
            hit.label = labels.get(hit.rule, hit.rule)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def issued_reports(user):
    from tracker.reports.figures import reports_for

    return reports_for(user).filter(state=MonthlyReport.State.ISSUED)


class ReportPage(CursorPage):
    ordering = "-id"


@list_schema(s.ReportSerializer)
class ReportListView(ApiView, generics.ListAPIView):
    """Issued monthly reports in scope, with their SHA-256 (read-only)."""

    roles = (Role.STAFF, Role.ADMIN, Role.INSPECTOR, Role.VIEWER)
    serializer_class = s.ReportSerializer
    pagination_class = ReportPage

    def get_queryset(self):
        return issued_reports(self.request.user)


class ReportDetailView(ApiView):
    roles = ReportListView.roles

    @extend_schema(responses={200: s.ReportDetailSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        report = get_object_or_404(issued_reports(request.user), pk=pk)
        return Response(s.ReportDetailSerializer(report).data)


class ReportPdfView(ApiView):
    roles = ReportListView.roles

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY, **ERRORS})
    def get(self, request: Request, pk: int) -> HttpResponse:
        """The issued PDF exactly as frozen (its SHA-256 is in the report)."""
        from tracker.reports.services import issued_pdf_bytes

        report = get_object_or_404(issued_reports(request.user), pk=pk)
        response = HttpResponse(issued_pdf_bytes(report), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="report-{report.pk}.pdf"'
        return response


class CataloguePage(CursorPage):
    ordering = "-id"


@list_schema(s.CatalogueSerializer, PUBLIC_ERRORS)
class CatalogueListView(ApiView, generics.ListAPIView):
    """Published catalogue editions (public: no token needed)."""

    authentication_classes: list = []
    permission_classes = [Public]
    serializer_class = s.CatalogueSerializer
    pagination_class = CataloguePage

    def get_queryset(self):
        return CatalogueEdition.objects.select_related("jurisdiction")


class CatalogueDetailView(ApiView):
    authentication_classes: list = []
    permission_classes = [Public]

    @extend_schema(responses={200: s.CatalogueDetailSerializer, **PUBLIC_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        edition = get_object_or_404(CatalogueEdition.objects.select_related("jurisdiction"), pk=pk)
        return Response(s.CatalogueDetailSerializer(edition).data)


# --- webhooks ------------------------------------------------------------------------------


class WebhookPage(CursorPage):
    ordering = "-id"


@list_schema(s.WebhookSerializer)
class WebhookListView(ApiView, generics.ListAPIView):
    """Event subscriptions of the admin's jurisdiction subtree (reform admins)."""

    roles = (Role.ADMIN,)
    write_roles = (Role.ADMIN,)
    serializer_class = s.WebhookSerializer
    pagination_class = WebhookPage

    def get_queryset(self):
        return WebhookSubscription.objects.filter(
            jurisdiction_filter(self.request.user, "jurisdiction")
        ).select_related("jurisdiction")

    @extend_schema(
        request=s.WebhookCreateSerializer,
        responses={201: s.WebhookCreatedSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        """Subscribe a URL to events; the signing secret is in this answer only."""
        from tracker.api.services import webhook_subscribe

        data = validated(s.WebhookCreateSerializer, request)
        subscription = webhook_subscribe(
            by=request.user,
            url=data["url"],
            events=data["events"],
            description=data.get("description", ""),
            reason=data["reason"],
        )
        return Response(s.WebhookCreatedSerializer(subscription).data, status=201)


def _subscription(request: Request, pk: int) -> WebhookSubscription:
    return get_object_or_404(
        WebhookSubscription.objects.filter(jurisdiction_filter(request.user, "jurisdiction")),
        pk=pk,
    )


class WebhookDeactivateView(ApiView):
    roles = write_roles = (Role.ADMIN,)

    @extend_schema(request=s.ReasonSerializer, responses={200: s.WebhookSerializer, **WRITE_ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        from tracker.api.services import webhook_deactivate

        subscription = _subscription(request, pk)
        data = validated(s.ReasonSerializer, request)
        done = webhook_deactivate(subscription=subscription, by=request.user, reason=data["reason"])
        return Response(s.WebhookSerializer(done).data)


@list_schema(s.DeliverySerializer)
class DeliveryListView(ApiView, generics.ListAPIView):
    """The delivery log of one subscription, newest first."""

    roles = (Role.ADMIN,)
    serializer_class = s.DeliverySerializer
    pagination_class = WebhookPage

    def get_queryset(self):
        subscription = _subscription(self.request, self.kwargs["pk"])
        return WebhookDelivery.objects.filter(subscription=subscription).prefetch_related("log")


__all__ = ["gettext_lazy"]
