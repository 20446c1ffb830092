"""The case resources: list, detail (read, create, update), transitions, milestones, evidence, notes."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from tracker.api import serializers as s
from tracker.api.errors import ApiError
from tracker.api.views.base import (
    ERRORS,
    WRITE_ERRORS,
    ApiView,
    CursorPage,
    detail_response,
    form_error,
    if_match,
    log_personal,
    subject_form,
    token_label,
    validated,
)
from tracker.audit import services as audit_services
from tracker.cases import selectors, services
from tracker.cases.filters import CaseFilterSet
from tracker.cases.forms import (
    CaseForm,
    EvidenceForm,
    MilestoneCompleteForm,
    NoteForm,
    TransitionForm,
    case_update_values,
    split_subject,
)
from tracker.cases.models import end_of_year
from tracker.cases.registry import get_kind, kind_choices
from tracker.cases.scoping import jurisdictions_for
from tracker.models import AccessLog, Case

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
        try:
            services.case_update(
                case=case,
                by=request.user,
                expected_version=expected,
                **case_update_values(case_form, form, spec),
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
