"""API tokens: shown once, stored hashed, scoped, expiring, revocable, throttled per token."""

from __future__ import annotations

import datetime
import hashlib

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.api_support import api_client, token_for
from tracker.api import services
from tracker.api.models import ApiToken


def test_key_is_stored_only_as_its_sha256(alice):
    token, key = services.token_create(user=alice, name="省平台", scope="read", days=30)
    assert key.startswith("trk_") and len(key) > 40
    token.refresh_from_db()
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert token.history.first().history_change_reason == "创建接口令牌：省平台"


def test_expired_token_fails(alice, case_a):
    key = token_for(alice)
    client = api_client(key)
    assert client.get("/api/v1/cases/").status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(days=31)):
        response = client.get("/api/v1/cases/")
    assert response.status_code == 401
    assert response.json()["error"]["message_zh"] == "令牌已过期。"


def test_revoked_token_fails(alice, bob):
    token, key = services.token_create(user=alice, name="临时", scope="read", days=5)
    client = api_client(key)
    assert client.get("/api/v1/cases/").status_code == 200
    with pytest.raises(PermissionDenied):
        services.token_revoke(token=token, by=bob)
    services.token_revoke(token=token, by=alice)
    response = client.get("/api/v1/cases/")
    assert response.status_code == 401
    assert response.json()["error"]["message_zh"] == "令牌已吊销。"
    assert token.history.first().history_change_reason == "吊销接口令牌：临时"


def test_unknown_or_malformed_token_fails(db):
    assert api_client("trk_not-a-key").get("/api/v1/cases/").status_code == 401
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION="Bearer a b")
    assert client.get("/api/v1/cases/").status_code == 401


def test_inactive_users_token_fails(alice):
    key = token_for(alice)
    alice.is_active = False
    alice.save()
    assert api_client(key).get("/api/v1/cases/").status_code == 401


def test_viewer_and_inspector_get_read_tokens_only(vera):
    with pytest.raises(ValidationError) as excinfo:
        services.token_create(user=vera, name="写", scope="write", days=5)
    assert "只读" in str(excinfo.value)


def test_lifetime_is_bounded(alice, settings):
    settings.API_TOKEN_MAX_DAYS = 30
    with pytest.raises(ValidationError):
        services.token_create(user=alice, name="长期", scope="read", days=31)


def test_throttled_per_token(alice, bob, settings):
    cache.clear()
    settings.API_THROTTLE_RATE = "3/minute"
    first, second = api_client(token_for(alice)), api_client(token_for(bob))
    answers = [first.get("/api/v1/cases/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert second.get("/api/v1/cases/").status_code == 200  # another token has its own budget
    response = first.get("/api/v1/cases/")
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) >= 1
    cache.clear()


def test_token_page_shows_the_key_once_and_revokes(client_as, alice):
    client = client_as(alice)
    page = client.post("/api/tokens/", {"name": "县系统", "scope": "write", "days": "30"})
    assert page.status_code == 200
    key = page.context["new_key"]
    assert key and key in page.content.decode()
    again = client.get("/api/tokens/")
    assert key not in again.content.decode()
    token = ApiToken.objects.get(user=alice)
    assert api_client(key).get("/api/v1/cases/").status_code == 200
    client.post(f"/api/tokens/{token.pk}/revoke/")
    assert api_client(key).get("/api/v1/cases/").status_code == 401
    duplicate = client.post("/api/tokens/", {"name": "县系统", "scope": "read", "days": "30"})
    assert "已有同名令牌" in duplicate.content.decode()


def test_cannot_revoke_anothers_token_from_the_page(client_as, alice, bob):
    token, _key = services.token_create(user=bob, name="乙", scope="read", days=5)
    response = client_as(alice).post(f"/api/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
