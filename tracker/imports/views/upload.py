"""The import page (upload and preview) and the per-kind XLSX templates."""

from __future__ import annotations

import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from tracker.cases.registry import get_kind
from tracker.cases.scoping import (
    EDITOR_ROLES,
    role_required,
)
from tracker.imports import exports
from tracker.imports import services as import_services
from tracker.imports.views.common import (
    _batches_for,
    _with_kind_labels,
)
from tracker.imports.views.forms import UploadForm, importable_kinds


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
