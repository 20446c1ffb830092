"""The read-only resources: red flags in scope, issued monthly reports, published catalogues."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from tracker.api import serializers as s
from tracker.api.permissions import Public
from tracker.api.views.base import (
    ERRORS,
    PUBLIC_ERRORS,
    ApiView,
    CursorPage,
    list_schema,
)
from tracker.cases.scoping import jurisdiction_filter
from tracker.cases.workflow import Role
from tracker.models import CatalogueEdition, MonthlyReport
from tracker.redflags import rules as redflags
from tracker.redflags.rows import live_hits


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
