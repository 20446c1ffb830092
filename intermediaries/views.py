"""The intermediary firm register: list, detail, create and edit (scoped by jurisdiction)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from intermediaries import selectors, services
from intermediaries.filters import FirmFilterSet
from intermediaries.forms import FirmForm
from intermediaries.tables import FirmTable
from tracker.cases.registry import panels_for
from tracker.cases.scoping import EDITOR_ROLES, READERS, jurisdictions_for, role_required
from tracker.cases.views import posted_version
from tracker.web.pagination import configure_table


@login_required
@role_required(*READERS)
@require_safe
def firm_list(request: HttpRequest) -> HttpResponse:
    filterset = FirmFilterSet(
        request.GET or None, queryset=selectors.firms_for(request.user), user=request.user
    )
    if not filterset.is_bound:
        firms = filterset.queryset
    else:  # a value that is not a choice (another county, say) shows its error and no rows
        firms = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    table = FirmTable(firms)
    configure_table(request, table, per_page=25)
    return render(request, "intermediaries/firm_list.html", {"filter": filterset, "table": table})


@login_required
@role_required(*READERS)
@require_safe
def firm_detail(request: HttpRequest, pk: int) -> HttpResponse:
    firm = get_object_or_404(selectors.firms_for(request.user), pk=pk)
    context = selectors.firm_context(firm)
    context["panels"] = panels_for("firm", request.user, firm)  # credit, from intermediaries.credit
    return render(request, "intermediaries/firm_detail.html", context)


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def firm_create(request: HttpRequest) -> HttpResponse:
    scope = jurisdictions_for(request.user)
    wanted = request.GET.get("jurisdiction") or request.POST.get("jurisdiction")
    jurisdiction = (
        get_object_or_404(scope, pk=int(wanted))
        if wanted and str(wanted).isdigit()
        else request.user.jurisdiction
    )
    form = FirmForm(request.POST or None, jurisdiction=jurisdiction, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            firm = services.firm_save(
                firm=form.instance, jurisdiction=jurisdiction, by=request.user, reason=_("新建机构")
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("机构已登记。"))
            return redirect("intermediaries:firm_detail", pk=firm.pk)
    return render(
        request,
        "intermediaries/firm_form.html",
        {"form": form, "jurisdiction": jurisdiction, "jurisdictions": scope, "creating": True},
    )


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def firm_edit(request: HttpRequest, pk: int) -> HttpResponse:
    firm = get_object_or_404(selectors.firms_for(request.user), pk=pk)
    version = posted_version(request, firm.version)
    form = FirmForm(
        request.POST or None,
        instance=firm,
        jurisdiction=firm.jurisdiction,
        user=request.user,
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.firm_save(
                firm=form.instance,
                jurisdiction=firm.jurisdiction,
                by=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=version,
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("已保存。"))
            return redirect("intermediaries:firm_detail", pk=firm.pk)
    return render(
        request,
        "intermediaries/firm_form.html",
        {"form": form, "firm": firm, "jurisdiction": firm.jurisdiction, "version": version},
    )
