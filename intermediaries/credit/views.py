"""Credit and supervision pages: staff and inspectors (scoped, 404 outside scope) and the public
disclosure and complaint pages (no login). Views ask the services and selectors; they never
re-decide."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from intermediaries.credit import documents, scoring, selectors, services
from intermediaries.credit import ratelimit as rl
from intermediaries.credit.forms import (
    ComplaintForm,
    CorrectionForm,
    ExitForm,
    ListEnterForm,
    NoticeForm,
    PlanForm,
    RecordForm,
    ResultForm,
    RuleForm,
    TriageForm,
)
from intermediaries.credit.models import ListType, ScoringRule
from intermediaries.models import IntermediaryFirm
from tracker.cases.scoping import EDITOR_ROLES, READERS, jurisdictions_for, role_required
from tracker.cases.workflow import Role
from tracker.imports.exports import file_response
from tracker.models import Case, Jurisdiction, User

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


# --- staff: firm credit, records, lists ----------------------------------------------------


@login_required
@role_required(*READERS)
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    day = timezone.localdate()
    entries = selectors.entries_for(request.user).filter(exited_on__isnull=True)
    firm_ids = list(selectors.firms_in_scope(request.user).values_list("pk", flat=True))
    grades = scoring.grades_as_of(day, firm_ids)
    on_list = {(e.firm_id, e.list_type) for e in entries}
    candidates = [
        (g, t) for g in grades.values() for t in g.triggers if (g.firm_id, t[0]) not in on_list
    ]
    firms = IntermediaryFirm.objects.in_bulk([g.firm_id for g, _t in candidates])
    return render(
        request,
        "credit/index.html",
        {
            "panel": selectors.dashboard_panel(request.user, day),
            "entries": entries.order_by("-decision_date")[:100],
            "candidates": [
                {"firm": firms[g.firm_id], "grade": g, "list": ListType(t[0]).label, "basis": t[1]}
                for g, t in candidates[:100]
            ],
            "rule": scoring.rule_in_force(day),
        },
    )


@login_required
@role_required(*READERS)
@require_safe
def firm_credit(request: HttpRequest, pk: int) -> HttpResponse:
    firm = _firm(request, pk)
    context = selectors.firm_credit(firm, _day(request))
    return render(request, "credit/firm.html", context)


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def record_add(request: HttpRequest, pk: int) -> HttpResponse:
    firm = _firm(request, pk)
    services.catalogue_ensure(by=request.user)
    form = RecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.record_add(
                firm=firm,
                kind=d["kind"],
                effective_date=d["effective_date"],
                expires_on=d["expires_on"],
                doc_no=d["doc_no"],
                evidence=d["evidence"],
                source_case=_case_in_scope(request, d["source_case"]),
                by=request.user,
                reason=d["reason"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("信用记录已录入。"))
            return redirect("credit:firm", pk=firm.pk)
    return render(
        request, "credit/form.html", {"form": form, "firm": firm, "title": _("录入信用记录")}
    )


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def record_correct(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(selectors.records_for(request.user), pk=pk)
    form = CorrectionForm(
        request.POST or None,
        initial={
            "kind": record.kind,
            "effective_date": record.effective_date,
            "expires_on": record.expires_on,
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.record_correct(record=record, by=request.user, **d)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("更正记录已录入，原记录不再计分。"))
            return redirect("credit:firm", pk=record.firm_id)
    return render(
        request,
        "credit/form.html",
        {"form": form, "firm": record.firm, "record": record, "title": _("更正信用记录")},
    )


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def list_enter(request: HttpRequest, pk: int) -> HttpResponse:
    firm = _firm(request, pk)
    form = ListEnterForm(request.POST or None, initial=request.GET or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.list_enter(firm=firm, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已列入名单。"))
            return redirect("credit:firm", pk=firm.pk)
    return render(request, "credit/form.html", {"form": form, "firm": firm, "title": _("列入名单")})


def _entry(request: HttpRequest, pk: int):
    return get_object_or_404(selectors.entries_for(request.user), pk=pk)


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def list_notice(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    form = NoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.list_notice(
                entry=entry,
                notice_date=d["notice_date"],
                method=d["notice_method"],
                by=request.user,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("告知情况已记录。"))
            return redirect("credit:firm", pk=entry.firm_id)
    return render(
        request, "credit/form.html", {"form": form, "firm": entry.firm, "title": _("记录告知")}
    )


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def list_exit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    form = ExitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.list_exit(
                entry=entry,
                basis=d["basis"],
                decision_no=d["exit_decision_no"],
                exit_date=d["exited_on"],
                reason=d["reason"],
                by=request.user,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已移出名单。"))
            return redirect("credit:firm", pk=entry.firm_id)
    return render(
        request, "credit/form.html", {"form": form, "firm": entry.firm, "title": _("移出名单")}
    )


# --- scoring rules -------------------------------------------------------------------------


@login_required
@role_required(*READERS)
@require_safe
def rules(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "credit/rules.html",
        {
            "rules": ScoringRule.objects.all(),
            "in_force": scoring.rule_in_force(timezone.localdate()),
        },
    )


@login_required
@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def rule_new(request: HttpRequest) -> HttpResponse:
    services.catalogue_ensure(by=request.user)
    latest = ScoringRule.objects.order_by("-version").first()
    initial = {"effective_from": timezone.localdate(), "base_score": 100, "repair_days": 365}
    if latest is not None:
        initial.update(
            base_score=latest.base_score,
            decay=latest.decay,
            repair_days=latest.repair_days,
            abnormal_below=latest.abnormal_below,
            black_below=latest.black_below,
            points="\n".join(f"{k}={v}" for k, v in sorted(latest.points.items())),
            **{f"{b['band'].lower()}_min": b["min"] for b in latest.bands},
            **{f"{b['band'].lower()}_max": b["max"] for b in latest.bands},
        )
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.rule_publish(by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("评分规则 v%(v)d 已发布。") % {"v": rule.version})
            return redirect("credit:rules")
    return render(request, "credit/form.html", {"form": form, "title": _("发布新版评分规则")})


# --- spot checks ---------------------------------------------------------------------------


@login_required
@role_required(*READERS)
@require_safe
def plans(request: HttpRequest) -> HttpResponse:
    return render(request, "credit/plans.html", {"plans": selectors.plans_for(request.user)})


@login_required
@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest) -> HttpResponse:
    scope = jurisdictions_for(request.user)
    users = User.objects.filter(is_active=True, jurisdiction__in=scope).exclude(role=Role.VIEWER)
    form = PlanForm(request.POST or None, jurisdictions=scope, users=users)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        inspectors = list(d.pop("inspectors"))
        try:
            plan = services.plan_create(by=request.user, fields=d, inspectors=inspectors)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("抽查计划已建立。"))
            return redirect("credit:plan_detail", pk=plan.pk)
    return render(request, "credit/form.html", {"form": form, "title": _("新建双随机抽查计划")})


def _plan_context(plan) -> dict:
    draws = list(plan.draws.select_related("firm").order_by("position"))
    ids = {i for d in draws for i in d.inspector_ids}
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=ids)}
    return {
        "plan": plan,
        "draws": [(d, [names.get(i, i) for i in d.inspector_ids]) for d in draws],
        "verification": selectors.verify_plan(plan) if plan.status == "drawn" else None,
        "today": timezone.localdate(),
    }


@login_required
@role_required(*READERS)
@require_safe
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(selectors.plans_for(request.user), pk=pk)
    return render(request, "credit/plan.html", _plan_context(plan))


@login_required
@role_required(Role.ADMIN)
@require_POST
def plan_commit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(selectors.plans_for(request.user), pk=pk)
    try:
        services.plan_commit(plan=plan, by=request.user)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("候选名单已冻结，随机种子摘要已公布。"))
    return redirect("credit:plan_detail", pk=plan.pk)


@login_required
@role_required(Role.ADMIN)
@require_POST
def plan_draw(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(selectors.plans_for(request.user), pk=pk)
    try:
        services.plan_draw(plan=plan, by=request.user)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("已公开随机种子并完成抽取。"))
    return redirect("credit:plan_detail", pk=plan.pk)


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def draw_result(request: HttpRequest, pk: int) -> HttpResponse:
    draw = get_object_or_404(selectors.draws_for(request.user), pk=pk)
    form = ResultForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.check_result(draw=draw, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("抽查结果已录入，并记入机构信用记录。"))
            return redirect("credit:plan_detail", pk=draw.plan_id)
    return render(
        request, "credit/form.html", {"form": form, "firm": draw.firm, "title": _("录入抽查结果")}
    )


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


# --- public --------------------------------------------------------------------------------


def _public_place(request: HttpRequest) -> Jurisdiction | None:
    code = request.GET.get("jurisdiction", "").strip()
    if not code:
        return None
    return get_object_or_404(Jurisdiction, code=code)


@require_safe
def public_firms(request: HttpRequest) -> HttpResponse:
    place = _public_place(request)
    day = timezone.localdate()
    page_no = request.GET.get("page", "1")
    page_no = int(page_no) if page_no.isdigit() and int(page_no) > 0 else 1
    rows, total = selectors.public_firm_rows(
        place, day, offset=(page_no - 1) * PUBLIC_PER_PAGE, limit=PUBLIC_PER_PAGE
    )
    pages = max(1, -(-total // PUBLIC_PER_PAGE))
    return render(
        request,
        "credit/public_firms.html",
        {
            "rows": rows,
            "total": total,
            "page_no": page_no,
            "pages": pages,
            "offset": (page_no - 1) * PUBLIC_PER_PAGE,
            "place": place,
            "places": Jurisdiction.objects.order_by("code"),
            "day": day,
            "rule": scoring.rule_in_force(day),
        },
    )


@require_safe
def public_firms_download(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    place = _public_place(request)
    day = timezone.localdate()
    rows, _total = selectors.public_firm_rows(place, day, limit=None)
    name = place.name if place else _("全部地区")
    build = documents.firms_xlsx if fmt == "xlsx" else documents.firms_pdf
    content = build(rows, place=name, edition=day)
    return _download(content, fmt, f"credit-firms-{day.isoformat()}")


def _download(content: bytes, fmt: str, filename: str) -> HttpResponse:
    if fmt == "xlsx":
        return file_response(content, file_format="xlsx", filename=filename)
    types = {"pdf": "application/pdf", "json": "application/json; charset=utf-8"}
    response = HttpResponse(content, content_type=types[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


@require_safe
def public_lists(request: HttpRequest) -> HttpResponse:
    place = _public_place(request)
    list_type = request.GET.get("list", "")
    if list_type not in ("", *ListType.values):
        list_type = ""
    entries = selectors.public_entries(place, list_type)
    fmt = request.GET.get("format", "")
    day = timezone.localdate()
    if fmt in ("xlsx", "pdf"):
        build = documents.entries_xlsx if fmt == "xlsx" else documents.entries_pdf
        content = build(list(entries), place=place.name if place else _("全部地区"), edition=day)
        return _download(content, fmt, f"credit-lists-{day.isoformat()}")
    page = Paginator(entries, PUBLIC_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "credit/public_lists.html",
        {
            "page": page,
            "place": place,
            "places": Jurisdiction.objects.order_by("code"),
            "list_type": list_type,
            "list_types": ListType.choices,
            "day": day,
        },
    )


@require_safe
def joint_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("xlsx", "json"):
        raise Http404
    day = timezone.localdate()
    rows = selectors.joint_punishment_rows(day)
    build = documents.joint_xlsx if fmt == "xlsx" else documents.joint_json
    return _download(build(rows, edition=day), fmt, f"joint-punishment-{day.isoformat()}")


@require_safe
def public_plan(request: HttpRequest, pk: int) -> HttpResponse:
    from intermediaries.credit.models import SpotCheckPlan

    plan = get_object_or_404(SpotCheckPlan.objects.exclude(status="draft"), pk=pk)
    draws = list(plan.draws.select_related("firm").order_by("position"))
    return render(request, "credit/public_plan.html", {"plan": plan, "draws": draws})


def _subject_names() -> list[str]:
    """Names offered in the complaint form: published catalogue entries and registered firms."""
    from tracker.models import CatalogueEdition

    names: set[str] = set()
    for entries in CatalogueEdition.objects.order_by("-published_at").values_list(
        "entries", flat=True
    )[:20]:
        for entry in entries or []:
            if isinstance(entry, dict):
                name = entry.get("name") or entry.get("名称")
                if isinstance(name, str):
                    names.add(name)
    names |= set(IntermediaryFirm.objects.values_list("name", flat=True)[:2000])
    return sorted(names)[:3000]


COMPLAINT_SCOPE = "complaint"


@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    """The public complaint form: size-limited before the body is read, rate-limited per client."""
    status, refusal = 200, ""
    form = ComplaintForm(initial={"jurisdiction": request.GET.get("jurisdiction", "")})
    if request.method == "POST":
        size = int(request.META.get("CONTENT_LENGTH") or 0)
        limit = settings.CREDIT_COMPLAINT_RATE
        if size > settings.CREDIT_COMPLAINT_MAX_BYTES:  # refused before the body is read
            refusal = _(
                "提交内容过大（%(n)d KB），上限为 %(max)d KB，未予接收。请精简后重新提交。"
            ) % {"n": size // 1024, "max": settings.CREDIT_COMPLAINT_MAX_BYTES // 1024}
            status = 413
        elif rl.exhausted(COMPLAINT_SCOPE, request, limit):
            form = ComplaintForm(request.POST)  # the text stays in the form for later
            refusal = _("提交过于频繁：同一来源每小时最多提交 %(n)d 件，请稍后再试。") % {
                "n": limit
            }
            status = 429
        else:
            form = ComplaintForm(request.POST)
            if form.is_valid():
                d = form.cleaned_data
                try:
                    complaint = services.complaint_submit(
                        jurisdiction=d["jurisdiction"],
                        subject_type=d["subject_type"],
                        subject_text=d["subject_text"],
                        description=d["description"],
                        happened_on=d["happened_on"],
                        contact=d["contact"],
                        anonymous=d["anonymous"],
                    )
                except ValidationError as exc:
                    _form_errors(form, exc)
                    status = 400
                else:
                    rl.spend(COMPLAINT_SCOPE, request, settings.CREDIT_COMPLAINT_RATE_WINDOW)
                    return render(request, "credit/complaint_done.html", {"complaint": complaint})
            else:
                status = 400
    return render(
        request,
        "credit/complaint_form.html",
        {"form": form, "names": _subject_names(), "refusal": refusal},
        status=status,
    )


@require_safe
def complaint_status(request: HttpRequest) -> HttpResponse:
    """Status and published reply of one complaint, by its tracking code (nothing else)."""
    code = request.GET.get("code", "")
    complaint = selectors.complaint_by_code(code) if code else None
    return render(
        request,
        "credit/complaint_status.html",
        {"code": code, "complaint": complaint, "searched": bool(code)},
        status=404 if code and complaint is None else 200,
    )
