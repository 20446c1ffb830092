"""The firm register in the API (/api/v1/firms/), registered with tracker.api's route registry."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from intermediaries.models import IntermediaryFirm
from intermediaries.selectors import firms_for
from tracker.api.registry import ApiRoute, register_route
from tracker.api.views import ERRORS, ApiView, CursorPage, list_schema


class FirmSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.CharField(source="jurisdiction.code", read_only=True)
    supervising_agency = serializers.CharField(
        source="supervising_agency.name", read_only=True, default=""
    )

    class Meta:
        model = IntermediaryFirm
        fields = [
            "id",
            "name",
            "former_names",
            "credit_code",
            "legal_form",
            "jurisdiction",
            "supervising_agency",
            "affiliation_type",
            "service_categories",
            "qualifications",
            "credit_grade",
            "on_dishonesty_list",
        ]
        read_only_fields = fields


class FirmPage(CursorPage):
    ordering = "-id"


@list_schema(FirmSerializer)
class FirmListView(ApiView, generics.ListAPIView):
    """The firm register in scope."""

    serializer_class = FirmSerializer
    pagination_class = FirmPage

    def get_queryset(self):
        return firms_for(self.request.user)


class FirmDetailView(ApiView):
    @extend_schema(responses={200: FirmSerializer, **ERRORS})
    def get(self, request, pk: int) -> Response:
        return Response(FirmSerializer(get_object_or_404(firms_for(request.user), pk=pk)).data)


def register_all() -> None:
    register_route(ApiRoute("firms/", FirmListView, "firm_list"))
    register_route(ApiRoute("firms/<int:pk>/", FirmDetailView, "firm_detail"))
