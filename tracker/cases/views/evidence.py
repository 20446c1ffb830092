"""Evidence: upload, download (scoped, logged) and superseding a file."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from tracker.audit import services as inspection_services
from tracker.cases import selectors, services
from tracker.cases.forms import (
    EvidenceForm,
    SupersedeForm,
)
from tracker.cases.scoping import (
    EDITOR_ROLES,
    READERS,
    role_required,
)
from tracker.cases.views.common import (
    _form_errors,
    _to_case,
)
from tracker.models import AccessLog, Case, Evidence


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def evidence_add(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for_request(request, reference, "change")
    form = EvidenceForm(request.POST or None, request.FILES or None, case=case)
    if request.GET.get("milestone", "").isdigit():
        form.fields["milestone"].initial = int(request.GET["milestone"])
    if request.method == "POST" and form.is_valid():
        try:
            services.evidence_add(
                case=case,
                by=request.user,
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
                doc_no=form.cleaned_data["doc_no"],
                issuing_body=form.cleaned_data["issuing_body"],
                effective_date=form.cleaned_data["effective_date"],
                milestone=form.cleaned_data["milestone"],
                max_bytes=settings.EVIDENCE_MAX_BYTES,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("佐证材料已上传。"))
            return _to_case(case, "evidence")
    return render(request, "tracker/evidence_form.html", {"case": case, "form": form})


def _evidence_for_user(request: HttpRequest, pk: int, action: str = "view") -> Evidence:
    """Evidence of a case the user may ``action``: fetched scoped, 404 outside (never fetched
    unscoped and checked afterwards)."""
    cases = Case.objects.restrict(request.user, action)
    return get_object_or_404(Evidence.objects.select_related("case").filter(case__in=cases), pk=pk)


@login_required
@role_required(*READERS)
@require_safe
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = _evidence_for_user(request, pk)
    if not evidence.file:
        raise Http404
    if evidence.case.kind_spec.personal:
        inspection_services.access_log_record(
            user=request.user,
            action=AccessLog.Action.DOWNLOAD,
            target="evidence",
            reference=evidence.case.reference,
        )
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name or evidence.file.name.rsplit("/", 1)[-1],
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def evidence_supersede(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = _evidence_for_user(request, pk, "change")
    form = SupersedeForm(request.POST or None, evidence=evidence)
    if request.method == "POST" and form.is_valid():
        try:
            services.evidence_supersede(
                old=evidence,
                new=form.cleaned_data["replacement"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已标记为被替换（原材料保留）。"))
            return redirect("tracker:case_detail", reference=evidence.case.reference)
    return render(
        request,
        "tracker/supersede_form.html",
        {"case": evidence.case, "evidence": evidence, "form": form},
    )
