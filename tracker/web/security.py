"""Security event logging: logins, failures and lockouts, without passwords or personal data."""

from __future__ import annotations

import hashlib
import ipaddress
import logging

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

log = logging.getLogger("tracker.web.security")


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind ``TRACKER_PROXY_COUNT`` trusted reverse
    proxies the address the outermost one was connected from (X-Forwarded-For, N-th entry
    from the right: entries further left come from the client and may be forged)."""
    remote = request.META.get("REMOTE_ADDR")
    count = int(getattr(settings, "TRACKER_PROXY_COUNT", 0) or 0)
    if count <= 0:
        return remote
    chain = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [p for p in chain if p]
    if len(chain) < count:
        return remote  # not through the configured proxies: the connection's own address
    candidate = chain[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def _client_ip(request) -> str:
    if request is None:
        return "-"
    return client_ip(request) or "-"


def _pseudonym(username: str | None) -> str:
    """A short one-way tag so repeated failures can be correlated without logging the name."""
    return hashlib.sha256((username or "").encode()).hexdigest()[:12]


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs) -> None:
    log.info("login_success user_id=%s ip=%s", user.pk, _client_ip(request))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs) -> None:
    log.info("logout user_id=%s ip=%s", getattr(user, "pk", None), _client_ip(request))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    log.warning(
        "login_failed account=%s ip=%s",
        _pseudonym(credentials.get("username")),
        _client_ip(request),
    )


@receiver(user_locked_out)
def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    log.warning("lockout account=%s ip=%s", _pseudonym(username), ip_address or "-")
