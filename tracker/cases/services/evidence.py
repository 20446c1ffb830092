"""Evidence write services: the upload check (size, extension, magic bytes, SHA-256), attaching
a document to a case and marking one as superseded by another."""

from __future__ import annotations

import datetime
import hashlib

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from tracker.cases.services.common import (
    require_editable,
    require_editor,
    require_reason,
    tracked_save,
)
from tracker.models import Case, Evidence, Milestone, User

ALLOWED_EVIDENCE = {
    ".pdf": [b"%PDF"],
    ".png": [b"\x89PNG\r\n\x1a\n"],
    ".jpg": [b"\xff\xd8\xff"],
    ".jpeg": [b"\xff\xd8\xff"],
    ".gif": [b"GIF87a", b"GIF89a"],
    ".tif": [b"II*\x00", b"MM\x00*"],
    ".tiff": [b"II*\x00", b"MM\x00*"],
    ".doc": [b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"],
    ".xls": [b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"],
    ".ppt": [b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"],
    ".wps": [b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"],
    ".docx": [b"PK\x03\x04"],
    ".xlsx": [b"PK\x03\x04"],
    ".pptx": [b"PK\x03\x04"],
    ".ofd": [b"PK\x03\x04"],
}


def check_evidence_file(upload: UploadedFile, max_bytes: int) -> str:
    """Size limit, extension allow-list and magic-bytes check; returns the SHA-256."""
    name = upload.name or ""
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if upload.size > max_bytes:
        raise ValidationError(
            _("文件过大：%(size).1f MB，上限 %(max).0f MB。")
            % {"size": upload.size / 1048576, "max": max_bytes / 1048576}
        )
    if upload.size == 0:
        raise ValidationError(_("文件为空。"))
    if suffix not in ALLOWED_EVIDENCE:
        raise ValidationError(
            _("不支持的文件类型“%(ext)s”。允许：PDF、图片（PNG/JPG/GIF/TIF）、Office 文档、OFD。")
            % {"ext": suffix or name}
        )
    upload.seek(0)
    head = upload.read(16)
    if not any(head.startswith(magic) for magic in ALLOWED_EVIDENCE[suffix]):
        raise ValidationError(_("文件内容与扩展名“%(ext)s”不符，已拒绝。") % {"ext": suffix})
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@transaction.atomic
def evidence_add(
    *,
    case: Case,
    by: User,
    title: str,
    upload: UploadedFile | None,
    doc_no: str = "",
    issuing_body: str = "",
    effective_date: datetime.date | None = None,
    milestone: Milestone | None = None,
    max_bytes: int,
    reason: str = "",
) -> Evidence:
    """Attach a document to a case (and optionally a milestone); a file or a document number."""
    require_editor(by, case.jurisdiction)
    require_editable(Case.objects.select_for_update().get(pk=case.pk))
    if upload is None and not doc_no.strip():
        raise ValidationError(_("请上传文件或填写文号。"))
    if milestone is not None and milestone.case_id != case.pk:
        raise ValidationError(_("进度节点不属于该事项。"))
    evidence = Evidence(
        case=case,
        milestone=milestone,
        title=title.strip(),
        doc_no=doc_no.strip(),
        issuing_body=issuing_body.strip(),
        effective_date=effective_date,
        uploaded_by=by,
    )
    if upload is not None:
        evidence.sha256 = check_evidence_file(upload, max_bytes)
        evidence.original_name = (upload.name or "")[:255]
        evidence.size = upload.size
        evidence.content_type = (getattr(upload, "content_type", "") or "")[:100]
    # Validate before anything is written to storage: a refused record leaves no file behind.
    evidence.full_clean(exclude=["file"])
    if upload is not None:
        evidence.file.save(upload.name, upload, save=False)
    try:
        tracked_save(evidence, by=by, reason=reason or _("上传佐证材料"), clean=False)
    except Exception:
        if evidence.file:
            evidence.file.storage.delete(evidence.file.name)
        raise
    return evidence


@transaction.atomic
def evidence_supersede(*, old: Evidence, new: Evidence, by: User, reason: str) -> Evidence:
    """Mark an evidence record as replaced by a newer one; nothing is deleted."""
    reason = require_reason(reason)
    require_editor(by, old.case.jurisdiction)
    require_editable(Case.objects.select_for_update().get(pk=old.case_id))
    if old.pk == new.pk or old.case_id != new.case_id:
        raise ValidationError(_("只能用同一事项的另一份材料替换。"))
    # Read again under a row lock: the caller's copy may predate a supersede that just won.
    old = Evidence.objects.select_for_update().get(pk=old.pk)
    if old.superseded_by_id:
        raise ValidationError(_("该材料已被替换。"))
    old.superseded_by = new
    old.superseded_reason = reason
    tracked_save(old, by=by, reason=reason)
    return old
