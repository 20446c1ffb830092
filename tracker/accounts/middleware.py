"""Admins and inspectors finish their second factor before they see any page."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect

from tracker.cases import workflow
from tracker.cases.scoping import user_role

SECOND_FACTOR_ROLES = workflow.AUDITORS  # whoever reads the audit trail
# Paths reachable before the second factor: signing in and out, the 2FA pages themselves,
# static files, languages, the public catalogue and the API (which uses tokens instead).
EXEMPT_PREFIXES = (
    "/accounts/",
    "/static/",
    "/i18n/",
    "/catalog/",
    "/api/",
    "/oidc/",
)


def second_factor_required(user) -> bool:
    """Whether this user must have a verified second factor in this session."""
    return bool(settings.TOTP_REQUIRED) and user_role(user) in SECOND_FACTOR_ROLES


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and second_factor_required(user)
            and not user.is_verified()
        ):
            return redirect("accounts:otp_verify")
        return self.get_response(request)
