"""Complaints, staff side: the queue and the triage of one complaint."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from intermediaries.credit import selectors, services
from intermediaries.credit.forms import (
    TriageForm,
)
from intermediaries.credit.views.common import (
    _case_in_scope,
    _form_errors,
)
from tracker.cases.scoping import READERS, role_required

# --- complaints: staff ---------------------------------------------------------------------


@login_required
@role_required(*READERS)
@require_safe
def complaints(request: HttpRequest) -> HttpResponse:
    qs = selectors.complaints_for(request.user)
    status = request.GET.get("status", "")
    if status:
        qs = qs.filter(status=status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "credit/complaints.html",
        {"page": page, "status": status, "today": timezone.localdate()},
    )


@login_required
@role_required(*READERS)
@require_http_methods(["GET", "POST"])
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_object_or_404(selectors.complaints_for(request.user), pk=pk)
    firms = selectors.firms_in_scope(request.user).filter(
        jurisdiction__path__startswith=complaint.jurisdiction.path
    )
    form = TriageForm(request.POST or None, firms=firms, initial={"firm": complaint.firm_id})
    if request.method == "POST":
        if not request.user.is_editor:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.complaint_triage(
                    complaint=complaint,
                    outcome=d["status"],
                    reply=d["reply"],
                    by=request.user,
                    record_kind_code=d["record_kind"].code if d["record_kind"] else "",
                    firm=d["firm"],
                    link_case=_case_in_scope(request, d["link_case"]),
                    new_item_case=d["new_item_case"],
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("投诉已办结，答复已公开给投诉人。"))
                return redirect("credit:complaint_detail", pk=complaint.pk)
    return render(
        request,
        "credit/complaint.html",
        {"complaint": complaint, "form": form, "today": timezone.localdate()},
    )
