"""Writes of the API app: tokens (created, revoked) and webhook subscriptions."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.api.models import ApiToken, WebhookSubscription
from tracker.api.urlcheck import check_webhook_url
from tracker.cases.scoping import user_role
from tracker.cases.services import require_reason, tracked_save
from tracker.cases.workflow import Role
from tracker.models import User

TOKEN_PREFIX = "trk_"


def hash_key(key: str) -> str:
    """The stored form of an API key: its SHA-256 (keys are 256-bit random, no salt needed)."""
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(
    *, user: User, name: str, scope: str, days: int, by: User | None = None
) -> tuple[ApiToken, str]:
    """Issue a named token for a user; returns the token and its key (shown once, never stored)."""
    by = by or user
    if by.pk != user.pk:
        raise PermissionDenied(_("只能为自己创建令牌。"))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写令牌名称。")})
    if scope not in ApiToken.Scope.values:
        raise ValidationError({"scope": _("权限只能是只读或读写。")})
    if scope == ApiToken.Scope.WRITE and user_role(user) not in (Role.STAFF, Role.ADMIN):
        raise ValidationError({"scope": _("您的角色不能修改台账，只能创建只读令牌。")})
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValidationError(
            {"days": _("有效期须为 1 至 %(n)d 天。") % {"n": settings.API_TOKEN_MAX_DAYS}}
        )
    if ApiToken.objects.filter(user=user, name=name).exists():
        raise ValidationError({"name": _("已有同名令牌。")})
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        scope=scope,
        key_hash=hash_key(key),
        prefix=key[:12],
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    tracked_save(token, by=by, reason=_("创建接口令牌：%(n)s") % {"n": name})
    return token, key


@transaction.atomic
def token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    """Revoke a token now (its owner or a reform admin); the row stays."""
    current = ApiToken.objects.select_for_update().get(pk=token.pk)
    if by.pk != current.user_id and user_role(by) != Role.ADMIN:
        raise PermissionDenied(_("只能吊销自己的令牌。"))
    if current.revoked_at is not None:
        raise ValidationError(_("该令牌已吊销。"))
    current.revoked_at = timezone.now()
    current.revoked_by = by
    tracked_save(current, by=by, reason=_("吊销接口令牌：%(n)s") % {"n": current.name})
    return current


def token_touch(token: ApiToken) -> None:
    """Remember when a token was last used, at most once a minute (an untracked column)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        token.last_used_at = now
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # excluded from history


EVENTS = {
    "case.created": _("新建事项"),
    "case.transitioned": _("状态变更"),
    "decision.superseded": _("处理决定变更"),
    "red_flag.raised": _("提出检查标记"),
    "report.issued": _("月报印发"),
    "list.entry": _("列入名单"),
}


@transaction.atomic
def webhook_subscribe(
    *, by: User, url: str, events: list[str], description: str = "", reason: str
) -> WebhookSubscription:
    """Subscribe a URL to events in the admin's jurisdiction subtree (reform admins only)."""
    reason = require_reason(reason)
    if user_role(by) != Role.ADMIN or by.jurisdiction_id is None:
        raise PermissionDenied(_("只有改革办管理员可以订阅事件。"))
    unknown = [e for e in events if e not in EVENTS]
    if not events or unknown:
        raise ValidationError(
            {"events": _("请选择事件；未知事件：%(e)s") % {"e": "、".join(unknown) or "-"}}
        )
    check_webhook_url(url)
    subscription = WebhookSubscription(
        url=url,
        events=sorted(set(events)),
        jurisdiction_id=by.jurisdiction_id,
        secret=secrets.token_hex(32),
        description=(description or "").strip(),
        created_by=by,
    )
    tracked_save(subscription, by=by, reason=reason)
    return subscription


@transaction.atomic
def webhook_deactivate(*, subscription: WebhookSubscription, by: User, reason: str):
    """Stop a subscription; it and its delivery log stay."""
    reason = require_reason(reason)
    if user_role(by) != Role.ADMIN:
        raise PermissionDenied(_("只有改革办管理员可以管理事件订阅。"))
    current = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    current.active = False
    tracked_save(current, by=by, reason=reason)
    return current
