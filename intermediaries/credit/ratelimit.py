"""Per-client limit on public submissions, kept in the cache (shared by every web node when the
cache is shared). The client is the proxy-aware address django-ipware finds, with the same
proxy count the login throttle uses; only a digest of it is kept."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_key(request: HttpRequest) -> str:
    from ipware import get_client_ip

    proxy_count = getattr(settings, "AXES_IPWARE_PROXY_COUNT", None)
    ip, _routable = get_client_ip(request, proxy_count=proxy_count)
    ip = ip or request.META.get("REMOTE_ADDR", "") or "unknown"
    return hashlib.sha256(f"{settings.SECRET_KEY}|{ip}".encode()).hexdigest()[:32]


def _key(scope: str, request: HttpRequest) -> str:
    return f"credit:rate:{scope}:{client_key(request)}"


def exhausted(scope: str, request: HttpRequest, limit: int) -> bool:
    return (cache.get(_key(scope, request)) or 0) >= limit


def spend(scope: str, request: HttpRequest, window: int) -> int:
    key = _key(scope, request)
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1
