"""My notifications (in-app reminders, e-mail opt-out), overdue explanations, deadline extensions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tracker.cases import selectors
from tracker.cases.scoping import ALL_ROLES, EDITOR_ROLES, role_required
from tracker.cases.services import StaleEdit
from tracker.cases.workflow import Role
from tracker.deadlines import reminders
from tracker.deadlines import services as deadline_services
from tracker.deadlines.forms import DeadlineExtensionForm, EmailReminderForm, OverdueExplanationForm
from tracker.deadlines.selectors import latest_overdue_explanations
from tracker.models import Case
from tracker.web.pagination import page_of

PER_PAGE = 30


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect(default)


@login_required
@role_required(*ALL_ROLES)
@require_safe
def notification_list(request: HttpRequest) -> HttpResponse:
    qs = reminders.notifications_for(request.user)
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    page = page_of(qs, request.GET, per_page=PER_PAGE)
    return render(
        request,
        "tracker/notifications/list.html",
        {
            "page": page,
            "unread_only": unread_only,
            "email_form": EmailReminderForm(
                initial={"email_reminders": request.user.email_reminders}
            ),
            "has_email": bool((request.user.email or "").strip()),
        },
    )


@login_required
@role_required(*ALL_ROLES)
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(reminders.notifications_for(request.user), pk=pk)
    reminders.notification_mark_read(notification=notification, user=request.user)
    if notification.case_id and request.POST.get("open") == "1":
        return redirect("tracker:case_detail", reference=notification.case.reference)
    return _back(request, "notifications:list")


@login_required
@role_required(*ALL_ROLES)
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    n = reminders.notifications_mark_all_read(user=request.user)
    messages.success(request, _("已将 %(n)d 条通知标记为已读。") % {"n": n})
    return redirect("notifications:list")


@login_required
@role_required(*ALL_ROLES)
@require_POST
def email_preference(request: HttpRequest) -> HttpResponse:
    form = EmailReminderForm(request.POST)
    form.is_valid()  # a missing checkbox is False: always valid
    enabled = form.cleaned_data.get("email_reminders", False)
    reminders.user_set_email_reminders(user=request.user, enabled=enabled, by=request.user)
    messages.success(request, _("已开启邮件提醒。") if enabled else _("已关闭邮件提醒。"))
    return redirect("notifications:list")


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def overdue_explanation(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for_request(request, reference, "change")
    if not case.is_overdue():
        messages.error(
            request,
            _("该事项未逾期（完成时限 %(d)s，状态：%(s)s），无需填写逾期说明。")
            % {"d": case.deadline.isoformat(), "s": case.get_status_display()},
        )
        return redirect("tracker:case_detail", reference=case.reference)
    form = OverdueExplanationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            deadline_services.case_explain_overdue(
                case=case,
                by=request.user,
                text=form.cleaned_data["text"],
                expected_date=form.cleaned_data["expected_date"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("逾期说明已记录。"))
            return redirect("tracker:case_detail", reference=case.reference)
    return render(
        request,
        "tracker/notifications/overdue_form.html",
        {
            "case": case,
            "form": form,
            "previous": latest_overdue_explanations([case.pk]).get(case.pk),
        },
    )


@login_required
@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def extend_deadline(request: HttpRequest, reference: str) -> HttpResponse:
    case: Case = selectors.case_for_request(request, reference, "change")
    if not case.is_open:
        messages.error(
            request,
            _("该事项已%(s)s，不能延长完成时限。") % {"s": case.get_status_display()},
        )
        return redirect("tracker:case_detail", reference=case.reference)
    form = DeadlineExtensionForm(request.POST or None, initial={"version": case.version})
    if request.method == "POST" and form.is_valid():
        try:
            deadline_services.case_extend_deadline(
                case=case,
                by=request.user,
                new_deadline=form.cleaned_data["new_deadline"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except StaleEdit as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("完成时限已延长。"))
            return redirect("tracker:case_detail", reference=case.reference)
    return render(request, "tracker/notifications/extend_form.html", {"case": case, "form": form})
