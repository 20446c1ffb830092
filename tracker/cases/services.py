"""Write services: every change to tracked data goes through one of these functions.

Each one records the acting user and a reason in history (django-simple-history).
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.cases import workflow
from tracker.cases.registry import CaseKind
from tracker.cases.scoping import jurisdictions_for, user_role, users_who_see
from tracker.cases.validators import refuse_id_numbers, validate_no_id_number
from tracker.cases.workflow import Role, Status
from tracker.models import (
    Case,
    Evidence,
    Jurisdiction,
    Milestone,
    Note,
    ReferenceCounter,
    User,
)


class TransitionRefused(Exception):
    """A status change that the workflow does not allow now; the message says why."""


class StaleEdit(Exception):
    """Someone else saved the case after this form was loaded."""

    def __init__(self, message: str, changes: list[str] | None = None):
        super().__init__(message)
        self.changes = changes or []


def tracked_save(obj: models.Model, *, by: User | None, reason: str, clean: bool = True) -> None:
    """full_clean() then save() with the history user and change reason attached; no text
    field (nor the reason) may hold a citizen ID number, whatever the caller checked."""
    if clean:
        obj.full_clean()
    refuse_id_numbers(obj)
    validate_no_id_number(reason)
    obj._history_user = by
    obj._change_reason = reason
    obj.save()


def require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写原因。"))
    validate_no_id_number(reason)
    return reason


def require_editable(case: Case) -> None:
    """The workflow decides which statuses are read-only; every write service asks it here."""
    problem = workflow.edit_refusal(case.status)
    if problem:
        raise ValidationError(problem)


def require_editor(user: User, jurisdiction: Jurisdiction) -> None:
    """Only staff and admins write, and only inside their own subtree."""
    if user_role(user) not in (Role.STAFF, Role.ADMIN):
        raise PermissionDenied(_("您的角色不能修改台账。"))
    if not jurisdictions_for(user).filter(pk=jurisdiction.pk).exists():
        raise PermissionDenied(_("该行政区划不在您的管辖范围内。"))


def owner_choices(jurisdiction: Jurisdiction):
    """Who may be a case's 责任人 (owner): an active editor who can see the case (homed at its
    jurisdiction or above). The form offers these; case_create and case_update refuse others."""
    return users_who_see(jurisdiction).filter(role__in=workflow.EDITORS).order_by("username")


def require_owner_in_scope(case: Case) -> None:
    if case.owner_id and not owner_choices(case.jurisdiction).filter(pk=case.owner_id).exists():
        raise ValidationError(
            {"owner": _("责任人必须是能查看该事项的在职工作人员或管理员（本级或上级行政区划）。")}
        )


def _next_reference(jurisdiction: Jurisdiction, kind: CaseKind, year: int) -> str:
    """Issue the next reference for jurisdiction-kind-year under a row lock."""
    prefix = f"{jurisdiction.code}-{kind.code}-{year}"
    counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(prefix=prefix)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}-{counter.last:04d}"


def milestone_due_dates(start: datetime.date, deadline: datetime.date, n: int) -> list:
    """Spread n milestone due dates evenly from the registration date to the deadline."""
    span = max((deadline - start).days, 0)
    return [start + datetime.timedelta(days=round(span * (i + 1) / n)) for i in range(n)]


@transaction.atomic
def case_create(
    *,
    kind: CaseKind,
    jurisdiction: Jurisdiction,
    by: User,
    case_fields: dict[str, Any],
    subject_fields: dict[str, Any],
    m2m: dict[str, Any] | None = None,
    reason: str = "",
) -> Case:
    """Register a case with its subject and its kind's milestone template."""
    require_editor(by, jurisdiction)
    reason = reason or _("新建登记")
    case = Case(kind=kind.key, jurisdiction=jurisdiction, **case_fields)
    case.registered_on = case.registered_on or timezone.localdate()
    subject = kind.subject_model(**subject_fields)
    if not case.title:
        subject.case = case  # for case_title() needing related names only
        case.title = subject.case_title()[:300]
    case.reference = "PENDING"
    case.full_clean(exclude=["reference"])
    require_owner_in_scope(case)
    subject.full_clean(exclude=["case"])
    refuse_id_numbers(subject)  # before the case, whose title is made of the subject's fields
    case.reference = _next_reference(jurisdiction, kind, case.registered_on.year)
    # One version per user action: the case, its subject and its milestones share one history
    # instant, so "as of" that instant, compare and the timeline show the whole registration.
    registered_at = timezone.now()
    case._history_date = registered_at
    tracked_save(case, by=by, reason=reason, clean=False)
    subject.case = case
    subject._history_date = registered_at
    tracked_save(subject, by=by, reason=reason, clean=False)
    for name, values in (m2m or {}).items():
        getattr(subject, name).set(values)
    dues = milestone_due_dates(case.registered_on, case.deadline, len(kind.milestones))
    for order, (spec, due) in enumerate(zip(kind.milestones, dues), start=1):
        milestone = Milestone(
            case=case,
            code=spec.code,
            name=str(spec.name),
            order=order,
            required=spec.required,
            due_date=due,
        )
        milestone._history_date = registered_at
        tracked_save(milestone, by=by, reason=reason, clean=False)
        del milestone._history_date
    del case._history_date, subject._history_date  # later saves of these objects are new versions
    return case


def _changed_fields(instance: models.Model, fresh: models.Model, names: list[str]) -> list[str]:
    return [
        str(instance._meta.get_field(n).verbose_name)
        for n in names
        if getattr(instance, instance._meta.get_field(n).attname)
        != getattr(fresh, fresh._meta.get_field(n).attname)
    ]


@transaction.atomic
def case_update(
    *,
    case: Case,
    by: User,
    expected_version: int,
    case_fields: dict[str, Any],
    subject_fields: dict[str, Any] | None = None,
    m2m: dict[str, Any] | None = None,
    reason: str,
) -> Case:
    """Edit a case and its subject; refused if the case changed since the form was loaded."""
    reason = require_reason(reason)
    require_editor(by, case.jurisdiction)
    current = Case.objects.select_for_update().get(pk=case.pk)
    if current.version != expected_version:
        changed = [
            f"{h.history_date:%Y-%m-%d %H:%M} {h.history_user or ''}: {h.history_change_reason or ''}"
            for h in current.history.filter(version__gt=expected_version).select_related(
                "history_user"
            )
        ]
        raise StaleEdit(
            _("保存失败：该事项在您打开表单后已被他人修改（当前版本 %(v)d）。请刷新后重新填写。")
            % {"v": current.version},
            changed,
        )
    require_editable(current)
    if {"status", "version", "jurisdiction", "kind", "reference"} & set(case_fields):
        raise ValueError("status, version, jurisdiction, kind and reference are not edited here")
    for name, value in case_fields.items():
        setattr(current, name, value)
    subject = current.subject
    if subject is not None:
        for name, value in (subject_fields or {}).items():
            setattr(subject, name, value)
        subject.full_clean(exclude=["case"])
        refuse_id_numbers(subject)
    current.full_clean()
    if "owner" in case_fields or "owner_id" in case_fields:
        require_owner_in_scope(current)
    current.version += 1
    tracked_save(current, by=by, reason=reason, clean=False)
    if subject is not None and (subject_fields or m2m):
        tracked_save(subject, by=by, reason=reason, clean=False)
        for name, values in (m2m or {}).items():
            getattr(subject, name).set(values)
    return current


@dataclass
class Decision:
    """Decision fields that may be filled in while moving a case to "decided"."""

    disposition: str
    doc_no: str
    date: datetime.date


@transaction.atomic
def case_transition(
    *, case: Case, to: str, by: User, reason: str, decision: Decision | None = None
) -> Case:
    """Move a case along one workflow edge, after the role and guard checks, with a reason."""
    if not (reason or "").strip():
        raise TransitionRefused(_("请填写状态变更的原因。"))
    current = Case.objects.select_for_update().get(pk=case.pk)
    if not jurisdictions_for(by).filter(pk=current.jurisdiction_id).exists():
        raise TransitionRefused(_("该事项不在您的管辖范围内。"))
    if to == Status.DECIDED and decision is not None:
        current.disposition = decision.disposition
        current.decision_doc_no = decision.doc_no.strip()
        current.decision_date = decision.date
    problem = workflow.refusal(current, to, user_role(by))
    if problem:
        raise TransitionRefused(problem)
    current.status = to
    try:
        current.full_clean()
    except ValidationError as exc:
        raise TransitionRefused("；".join(exc.messages)) from exc
    current.version += 1
    tracked_save(current, by=by, reason=reason.strip(), clean=False)
    return current


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


@transaction.atomic
def milestone_complete(
    *,
    milestone: Milestone,
    by: User,
    effective_date: datetime.date,
    doc_no: str = "",
    evidence: Evidence | None = None,
    comment: str = "",
    reason: str = "",
) -> Milestone:
    """Record that a milestone happened: its effective date and a document number or evidence."""
    require_editor(by, milestone.case.jurisdiction)
    # Re-read under a lock: the caller's objects may be stale.
    milestone = Milestone.objects.select_for_update().select_related("case").get(pk=milestone.pk)
    if milestone.done:
        raise ValidationError(_("该节点已完成。"))
    require_editable(milestone.case)
    if not doc_no.strip() and evidence is None:
        raise ValidationError(_("完成节点需填写文号或选择佐证材料。"))
    if evidence is not None and evidence.case_id != milestone.case_id:
        raise ValidationError(_("佐证材料不属于该事项。"))
    if effective_date > timezone.localdate():
        raise ValidationError(_("实际完成日期不能晚于今天。"))
    milestone.done = True
    milestone.effective_date = effective_date
    milestone.doc_no = doc_no.strip()
    milestone.evidence = evidence
    milestone.comment = comment.strip()
    milestone.recorded_by = by
    milestone.recorded_at = timezone.now()
    tracked_save(
        milestone, by=by, reason=reason or _("完成节点：%(name)s") % {"name": milestone.name}
    )
    return milestone


@transaction.atomic
def note_add(
    *,
    case: Case,
    by: User,
    text: str,
    kind: str = Note.Kind.NOTE,
    expected_date: datetime.date | None = None,
) -> Note:
    """Append a note to a case; notes are never edited or deleted."""
    require_editor(by, case.jurisdiction)
    if not (text or "").strip():
        raise ValidationError(_("备注内容不能为空。"))
    note = Note(case=case, kind=kind, text=text.strip(), expected_date=expected_date, author=by)
    tracked_save(note, by=by, reason=_("添加备注"))
    return note
