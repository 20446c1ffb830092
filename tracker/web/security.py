"""Security event logging: logins, failures and lockouts, without passwords or personal data."""

from __future__ import annotations

import hashlib
import logging

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

log = logging.getLogger("tracker.web.security")


def _client_ip(request) -> str:
    if request is None:
        return "-"
    return request.META.get("REMOTE_ADDR", "-")


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
