"""Webhook targets: http(s) only, and never a private, loopback or link-local address unless
TRACKER_WEBHOOK_ALLOW_PRIVATE is set (checked when subscribing and again before each POST)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def _addresses(host: str) -> list[ipaddress._BaseAddress]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError as exc:
        raise ValidationError({"url": _("无法解析接收地址的主机名：%(h)s") % {"h": host}}) from exc
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def is_public(address: ipaddress._BaseAddress) -> bool:
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def check_webhook_url(url: str) -> None:
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"url": _("接收地址须为 http:// 或 https:// 开头的完整网址。")})
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return
    blocked = [str(a) for a in _addresses(parts.hostname) if not is_public(a)]
    if blocked:
        raise ValidationError(
            {
                "url": _("接收地址指向内网、本机或保留地址（%(a)s），已拒绝。")
                % {"a": "、".join(blocked)}
            }
        )
