"""Webhook subscriptions and their delivery log (reform admins)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from tracker.api import serializers as s
from tracker.api.models import WebhookDelivery, WebhookSubscription
from tracker.api.views.base import (
    WRITE_ERRORS,
    ApiView,
    CursorPage,
    list_schema,
    validated,
)
from tracker.cases.scoping import jurisdiction_filter
from tracker.cases.workflow import Role

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
