"""What the audit pages share: the page size and the audit filter form bound to the query
string, with the message for filters that were ignored."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from tracker.audit.forms import (
    AuditFilterForm,
)

PER_PAGE = 50


def _invalid_filters_message(request: HttpRequest, form) -> None:
    labels = "、".join(str(form.fields[name].label) for name in form.errors if name in form.fields)
    messages.error(
        request,
        _("筛选条件有误（%(fields)s），已忽略这些条件，请检查后重新筛选。")
        % {"fields": labels or _("日期范围")},
    )


def _bound_filters(request: HttpRequest):
    """The audit filter form bound to the query string, and whether every filter was valid."""
    data = request.GET.copy()
    data.pop("page", None)
    data.pop("format", None)
    form = AuditFilterForm(data or None, viewer=request.user)
    valid = True
    if form.is_bound and not form.is_valid():
        valid = False
        # A date range error names no single field: drop both dates.
        if "__all__" in form.errors or "date_to" in form.errors:
            form.cleaned_data.pop("date_from", None)
            form.cleaned_data.pop("date_to", None)
    return form, valid
