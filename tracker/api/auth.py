"""API authentication: ``Authorization: Bearer <key>`` with a named, scoped, expiring token.

Only the key's SHA-256 is stored; a revoked or expired token, or an inactive user, is refused.
The API never asks for the second factor: a token is issued from a signed-in (and, where
required, second-factor verified) session and is its own credential.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication

from tracker.api.errors import ApiError
from tracker.api.models import ApiToken
from tracker.api.services import hash_key, token_touch


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise ApiError("unauthenticated", 401, _("令牌格式有误：应为 “Bearer <令牌>”。"))
        token = (
            ApiToken.objects.select_related("user", "user__jurisdiction")
            .filter(key_hash=hash_key(header[1]))
            .first()
        )
        if token is None or not token.user.is_active:
            raise ApiError("unauthenticated", 401, _("令牌无效。"))
        if token.revoked_at is not None:
            raise ApiError("unauthenticated", 401, _("令牌已吊销。"))
        if token.expires_at <= timezone.now():
            raise ApiError("unauthenticated", 401, _("令牌已过期。"))
        token_touch(token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return "Bearer"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "tracker.api.auth.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "个人接口令牌 / personal API token",
        }
