"""Helpers for API tests: a token per persona and a client that sends it."""

from __future__ import annotations

from rest_framework.test import APIClient

from tracker.api import services
from tracker.api.models import ApiToken


def token_for(user, scope: str = ApiToken.Scope.WRITE, name: str = "test") -> str:
    if scope == ApiToken.Scope.WRITE and user.role not in ("staff", "admin"):
        scope = ApiToken.Scope.READ
    _token, key = services.token_create(user=user, name=name, scope=scope, days=30)
    return key


def api_client(key: str | None = None) -> APIClient:
    client = APIClient()
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client
