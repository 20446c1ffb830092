"""What the case pages share: the posted version, the redirect to a case, form errors from a service."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from tracker.models import Case

PER_PAGE = 25


def posted_version(request: HttpRequest, current: int) -> int:
    """The version the form was loaded at; a missing or tampered value counts as stale (0)."""
    if request.method != "POST":
        return current
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else 0


def _to_case(case: Case, tab: str = "") -> HttpResponse:
    """Back to the case page, on the tab the change was made in (``#milestones``)."""
    url = reverse("tracker:case_detail", args=[case.reference])
    return redirect(f"{url}#{tab}" if tab else url)


def _form_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError onto the form (field errors where it names fields)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
