"""Import pages: upload, preview with every row's outcome and error, commit, templates.

Reform staff and admins only; batches are scoped by jurisdiction (another's batch is a 404).
"""

from __future__ import annotations

import io

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tracker.audit.services import access_log_record
from tracker.cases.registry import get_kind, kinds
from tracker.cases.scoping import (
    EDITOR_ROLES,
    jurisdiction_filter,
    jurisdictions_for,
    role_required,
)
from tracker.imports import exports
from tracker.imports import services as import_services
from tracker.models import ImportBatch, User

POLICY_CHOICES = [
    ("skip", gettext_lazy("跳过重复行（保留已有数据）")),
    ("update", gettext_lazy("用表格内容更新已有事项")),
]


def importable_kinds() -> list:
    return [k for k in kinds() if k.importer is not None]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类别"))
    jurisdiction = forms.ModelChoiceField(
        label=gettext_lazy("行政区划"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("按文件标题中的行政区划"),
    )
    file = forms.FileField(
        label=gettext_lazy("文件"),
        help_text=gettext_lazy("Excel（.xlsx）或 CSV（UTF-8 / GBK 编码均可）"),
    )
    on_duplicate = forms.ChoiceField(
        label=gettext_lazy("遇到重复"),
        choices=POLICY_CHOICES,
        initial="skip",
        widget=forms.RadioSelect,
    )
    defaults = forms.CharField(
        label=gettext_lazy("全文件默认值"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "表中没有该列或该格为空时使用，每行一项“列名=值”，例如：收费类别=行政事业性收费"
        ),
    )
    owner = forms.ModelChoiceField(
        label=gettext_lazy("责任人（全文件）"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("不指定（或按表中“责任人”列）"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.key, k.label) for k in importable_kinds()]
        scope = jurisdictions_for(user)
        self.fields["jurisdiction"].queryset = scope
        if user.jurisdiction_id:
            self.fields["jurisdiction"].initial = user.jurisdiction_id
        self.fields["owner"].queryset = (
            User.objects.filter(jurisdiction_filter(user), role__in=EDITOR_ROLES, is_active=True)
            .select_related("jurisdiction")
            .order_by("jurisdiction__code", "username")
        )

    def clean_defaults(self) -> dict[str, str]:
        try:
            return import_services.parse_defaults(self.cleaned_data.get("defaults") or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(import_services.size_message(upload.size))
        return upload


def _batches_for(user):
    return ImportBatch.objects.filter(jurisdiction_filter(user)).select_related(
        "jurisdiction", "user"
    )


def _with_kind_labels(batches) -> list[ImportBatch]:
    labels = {k.key: k.label for k in kinds()}
    result = list(batches)
    for batch in result:
        batch.kind_label = labels.get(batch.kind, batch.kind)
    return result


def _batch_for(user, pk: int) -> ImportBatch:
    return get_object_or_404(_batches_for(user), pk=pk)


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def import_index(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            jurisdiction = form.cleaned_data["jurisdiction"] or (
                import_services.jurisdiction_from_title(data, upload.name or "upload", request.user)
            )
            report = import_services.import_preview(
                data=data,
                file_name=upload.name or "upload",
                kind=get_kind(form.cleaned_data["kind"]),
                jurisdiction=jurisdiction,
                by=request.user,
                on_duplicate=form.cleaned_data["on_duplicate"],
                options=import_services.ImportOptions(
                    defaults=form.cleaned_data["defaults"], owner=form.cleaned_data["owner"]
                ),
            )
        except (import_services.ImportRefused, PermissionDenied) as exc:
            form.add_error(None, str(exc) or _("没有导入权限。"))
        else:
            if report.ok:
                messages.success(request, _("文件已校验，没有错误。请核对预览后确认导入。"))
            else:
                messages.error(
                    request,
                    _("文件有 %(n)d 处错误，请修改后重新上传。") % {"n": len(report.errors)},
                )
            return redirect("imports:batch", pk=report.batch.pk)
    return render(
        request,
        "tracker/imports/index.html",
        {
            "form": form,
            "batches": _with_kind_labels(_batches_for(request.user)[:20]),
            "kinds": importable_kinds(),
            "max_mb": settings.IMPORT_MAX_BYTES / 1048576,
            "max_rows": settings.IMPORT_MAX_ROWS,
        },
    )


def _report_for(request: HttpRequest, batch: ImportBatch):
    """The preview re-checked against the database as it is now (committed: what was stored)."""
    if batch.state == ImportBatch.State.COMMITTED or not batch.file:
        return None
    policy = request.GET.get("on_duplicate")
    return import_services.batch_analyse(
        batch,
        by=request.user,
        on_duplicate=policy if policy in import_services.DUPLICATE_POLICIES else None,
    )


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


def _log_personal(request: HttpRequest, batch: ImportBatch, kind, action: str, **extra) -> None:
    """Every view or download of a batch of a personal kind (officials) is in the access log."""
    if kind.personal:
        access_log_record(
            user=request.user,
            action=action,
            target="import_batch",
            reference=str(batch.pk),
            query=request.GET.urlencode(),
            **extra,
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


def template_workbook(kind_key: str) -> bytes:
    """The XLSX template of a kind: title-free header row, one example row, a notes sheet."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill

    importer = get_kind(kind_key).importer
    columns = importer.template_columns()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = str(get_kind(kind_key).label)[:31]
    sheet.append([str(c.header) for c in columns])
    for row in importer.template_rows():
        sheet.append([exports.neutralise(v) for v in row])
    required = PatternFill("solid", fgColor="FDE8E6")
    for index, col in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        if col.required:
            cell.fill = required
        width = max(10, min(40, len(str(col.header)) * 2 + 4))
        sheet.column_dimensions[cell.column_letter].width = width
    notes = workbook.create_sheet(_("填表说明"))
    notes.append([_("列名"), _("是否必填"), _("说明"), _("其他可用列名")])
    for col in columns:
        choices = "、".join(str(label) for _v, label in col.choices)
        if col.parser == "disposition":
            choices = "、".join(str(label) for _v, label in get_kind(kind_key).dispositions)
        explain = "；".join(
            part
            for part in (
                str(col.help) if col.help else "",
                _("可选值：%(c)s") % {"c": choices} if choices else "",
                _("日期可写 2026-11-30、2026/11/30、2026.11.30、2026年11月30日")
                if col.parser == "date"
                else "",
            )
            if part
        )
        notes.append(
            [str(col.header), _("是") if col.required else _("否"), explain, "、".join(col.aliases)]
        )
    notes.column_dimensions["A"].width = 28
    notes.column_dimensions["C"].width = 60
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()


@login_required
@role_required(*EDITOR_ROLES)
@require_safe
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in {k.key for k in importable_kinds()}:
        raise Http404
    return exports.file_response(
        template_workbook(kind), file_format="xlsx", filename=f"import-template-{kind}"
    )
