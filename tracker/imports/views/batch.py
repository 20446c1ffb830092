"""The pages of one import batch: preview, warning acceptance, department choice, commit,
error list and the original file."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from tracker.cases.registry import get_kind
from tracker.cases.scoping import (
    EDITOR_ROLES,
    role_required,
)
from tracker.imports import exports
from tracker.imports import services as import_services
from tracker.imports.views.common import (
    _batch_for,
    _log_personal,
    _report_for,
)
from tracker.imports.views.forms import POLICY_CHOICES


@login_required
@role_required(*EDITOR_ROLES)
@require_safe
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for(request.user, pk)
    kind = get_kind(batch.kind)
    report = _report_for(request, batch)
    show = request.GET.get("show", "")
    rows = report.rows if report else []
    if show in import_services.OUTCOMES:
        rows = [r for r in rows if r.outcome == show]
    elif show == "warning":
        rows = [r for r in rows if r.warnings or r.accepted]
    for row in rows:
        row.outcome_label = import_services.OUTCOME_LABELS.get(row.outcome, row.outcome)
        row.display = import_services.row_display(row, report)
        row.diff = import_services.row_diff(row)
    _log_personal(request, batch, kind, "view", row_count=len(rows))
    unresolved = import_services.unresolved_names(report) if report else []
    return render(
        request,
        "tracker/imports/batch.html",
        {
            "batch": batch,
            "kind": get_kind(batch.kind),
            "report": report,
            "counts": report.counts() if report else batch.counts,
            "errors": report.errors if report else batch.errors,
            "rows": rows,
            "show": show,
            "policy": report.on_duplicate if report else batch.duplicate_policy,
            "policy_choices": POLICY_CHOICES,
            "outcome_labels": import_services.OUTCOME_LABELS,
            "unresolved": unresolved,
            "departments": batch.jurisdiction.departments.order_by("name") if unresolved else [],
            "may_accept": request.user.is_reform_admin,
            "warnings": report.warnings if report else [],
            "accepted": batch.accepted_warnings,
        },
    )


@login_required
@role_required(*EDITOR_ROLES)
@require_POST
def batch_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """A reform admin accepts one row's warning with a reason (recorded on the batch)."""
    batch = _batch_for(request.user, pk)
    try:
        row = int(request.POST.get("row", ""))
        import_services.batch_accept_warning(
            batch=batch,
            by=request.user,
            row=row,
            code=request.POST.get("code", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValueError:
        messages.error(request, _("请求不完整：缺少行号。"))
    except (ValidationError, PermissionDenied, import_services.ImportRefused) as exc:
        text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text or _("没有权限。"))
    else:
        messages.success(request, _("已确认第 %(n)d 行的警告。") % {"n": row})
    return redirect("imports:batch", pk=batch.pk)


@login_required
@role_required(*EDITOR_ROLES)
@require_POST
def batch_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose the department for a name the preview could not place (optionally as an alias)."""
    batch = _batch_for(request.user, pk)
    raw = request.POST.get("department", "")
    department = (
        batch.jurisdiction.departments.filter(pk=int(raw)).first() if raw.isdigit() else None
    )
    if department is None:
        messages.error(request, _("请选择%(j)s的一个部门。") % {"j": batch.jurisdiction.name})
        return redirect("imports:batch", pk=batch.pk)
    try:
        import_services.batch_choose_department(
            batch=batch,
            by=request.user,
            name=request.POST.get("name", ""),
            department=department,
            save_alias=request.POST.get("save_alias") == "1",
        )
    except (ValidationError, PermissionDenied, import_services.ImportRefused) as exc:
        text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text or _("没有权限。"))
    else:
        messages.success(
            request,
            _("“%(n)s”已按“%(d)s”处理。")
            % {"n": request.POST.get("name", ""), "d": department.name},
        )
    return redirect("imports:batch", pk=batch.pk)


@login_required
@role_required(*EDITOR_ROLES)
@require_POST
def batch_commit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for(request.user, pk)
    policy = request.POST.get("on_duplicate")
    try:
        report = import_services.import_commit(batch=batch, by=request.user, on_duplicate=policy)
    except (import_services.ImportRefused, PermissionDenied) as exc:
        messages.error(request, str(exc) or _("没有导入权限。"))
        return redirect("imports:batch", pk=batch.pk)
    if report.committed:
        counts = report.counts()
        messages.success(
            request,
            _("已导入：新建 %(c)d 条，更新 %(u)d 条，跳过 %(s)d 条，无变化 %(n)d 条。")
            % {
                "c": counts["create"],
                "u": counts["update"],
                "s": counts["skip"],
                "n": counts["unchanged"],
            },
        )
    elif report.ok and report.warnings:
        messages.error(
            request,
            _("导入未执行，未写入任何数据：还有 %(n)d 条警告待管理员确认。")
            % {"n": len(report.warnings)},
        )
    else:
        messages.error(
            request,
            _("导入未执行，未写入任何数据：共 %(n)d 处错误。") % {"n": len(report.errors)},
        )
    return redirect("imports:batch", pk=batch.pk)


@login_required
@role_required(*EDITOR_ROLES)
@require_safe
def batch_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """Every error of the batch, by row and column, as a CSV file."""
    batch = _batch_for(request.user, pk)
    report = _report_for(request, batch)
    errors = report.errors if report else batch.errors
    _log_personal(request, batch, get_kind(batch.kind), "export", file_format="csv")
    rows = [[_("行号"), _("列"), _("错误说明")]]
    rows += [[e["row"] or "", e["column"], e["message"]] for e in errors]
    exports.log_export(
        request,
        target="import_errors",
        file_format="csv",
        row_count=len(errors),
        reference=str(batch.pk),
    )
    return exports.file_response(
        exports.csv_bytes(rows), file_format="csv", filename=f"import-{batch.pk}-errors"
    )


@login_required
@role_required(*EDITOR_ROLES)
@require_safe
def batch_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The original uploaded file, kept as evidence of what was imported."""
    batch = _batch_for(request.user, pk)
    if not batch.file:
        raise Http404
    _log_personal(request, batch, get_kind(batch.kind), "download")
    response = FileResponse(
        batch.file.open("rb"),
        as_attachment=True,
        filename=batch.file_name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
