"""What the credit pages share: form errors from a service, the as-of day, scoped look-ups."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from intermediaries.credit import selectors
from intermediaries.models import IntermediaryFirm
from tracker.models import Case

PUBLIC_PER_PAGE = 50


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _day(request: HttpRequest) -> datetime.date:
    raw = request.GET.get("as_of", "").strip()
    if not raw:
        return timezone.localdate()
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        messages.error(request, _("日期格式应为 YYYY-MM-DD，已显示今天的评级。"))
        return timezone.localdate()


def _firm(request: HttpRequest, pk: int) -> IntermediaryFirm:
    return get_object_or_404(
        selectors.firms_in_scope(request.user).select_related("jurisdiction"), pk=pk
    )


def _case_in_scope(request: HttpRequest, reference: str) -> Case | None:
    reference = (reference or "").strip()
    if not reference:
        return None
    case = Case.objects.for_user(request.user).filter(reference=reference).first()
    if case is None:
        raise ValidationError({"source_case": _("找不到编号为 %(r)s 的事项。") % {"r": reference}})
    return case
