"""The record kind catalogue and credit records: added, corrected, raised from a red flag."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intermediaries.credit.models import (
    CheckResult,
    Complaint,
    CreditRecord,
    RecordKind,
    RecordSource,
    SpotCheckDraw,
)
from intermediaries.models import IntermediaryFirm
from tracker.cases.scoping import user_role
from tracker.cases.services import require_editor, require_reason, tracked_save
from tracker.cases.workflow import Role
from tracker.models import Case, User

# The record kind catalogue a new installation starts with (an admin may add kinds; a rule
# version may give any kind other points).
DEFAULT_KINDS: dict[str, tuple[str, int, int | None]] = {
    "penalty": ("行政处罚", -20, 1095),
    "judgment": ("法院判决认定违法", -30, 1825),
    "praise": ("表彰奖励", 5, 730),
    "evaluation_good": ("部门评价优良", 3, 365),
    "evaluation_poor": ("部门评价较差", -5, 365),
    "check_passed": ("双随机抽查合格", 2, 365),
    "check_rectify": ("双随机抽查责令整改", -10, 730),
    "check_referred": ("双随机抽查移交处理", -20, 1095),
    "complaint_substantiated": ("投诉举报经核查属实", -5, 365),
    "red_flag_confirmed": ("红旗预警经纪检核实", -10, 730),
    "sham_decoupling": ("假脱钩（明脱暗不脱）", -30, 1825),
    "kept_charging": ("已取消事项或收费仍在收取", -20, 1095),
    "void": ("更正：原记录撤销", 0, None),
}
CHECK_RESULT_KINDS = {
    CheckResult.PASSED: "check_passed",
    CheckResult.RECTIFY: "check_rectify",
    CheckResult.REFERRED: "check_referred",
}


def _require_admin(by: User) -> None:
    if user_role(by) != Role.ADMIN:
        raise PermissionDenied(_("只有改革办管理员可以执行此操作。"))


def record_kind(code: str, *, by: User | None = None) -> RecordKind:
    """The catalogue's kind ``code``; a default kind missing from the catalogue is added."""
    kind = RecordKind.objects.filter(code=code).first()
    if kind is None:
        if code not in DEFAULT_KINDS:
            raise ValidationError(_("未知的记录类别：%(c)s") % {"c": code})
        name, effect, days = DEFAULT_KINDS[code]
        kind = RecordKind(code=code, name=name, score_effect=effect, default_validity_days=days)
        tracked_save(kind, by=by, reason=_("初始化信用记录类别目录"))
    return kind


def catalogue_ensure(*, by: User | None = None) -> list[RecordKind]:
    return [record_kind(code, by=by) for code in DEFAULT_KINDS]


# --- credit records ------------------------------------------------------------------------


def _record_create(
    *,
    firm: IntermediaryFirm,
    kind: RecordKind,
    effective_date: datetime.date,
    source: str,
    by: User | None,
    reason: str,
    expires_on: datetime.date | None = None,
    doc_no: str = "",
    evidence: str = "",
    source_case: Case | None = None,
    source_draw: SpotCheckDraw | None = None,
    source_complaint: Complaint | None = None,
    supersedes: CreditRecord | None = None,
) -> CreditRecord:
    if expires_on is None and kind.default_validity_days:
        expires_on = effective_date + datetime.timedelta(days=kind.default_validity_days)
    record = CreditRecord(
        firm=firm,
        jurisdiction_id=firm.jurisdiction_id,
        kind=kind,
        effective_date=effective_date,
        expires_on=expires_on,
        source=source,
        doc_no=(doc_no or "").strip(),
        evidence=evidence,
        source_case=source_case,
        source_draw=source_draw,
        source_complaint=source_complaint,
        reason=reason,
        recorded_by=by,
        supersedes=supersedes,
    )
    tracked_save(record, by=by, reason=reason)
    return record


@transaction.atomic
def record_add(
    *,
    firm: IntermediaryFirm,
    kind: RecordKind,
    effective_date: datetime.date,
    by: User,
    reason: str,
    source: str = RecordSource.DOCUMENT,
    doc_no: str = "",
    expires_on: datetime.date | None = None,
    evidence: str = "",
    source_case: Case | None = None,
) -> CreditRecord:
    """A record entered by staff (penalty, judgment, praise, evaluation ...) with its document
    number and evidence, in the firm's scope."""
    reason = require_reason(reason)
    require_editor(by, firm.jurisdiction)
    if source_case is not None and not Case.objects.for_user(by).filter(pk=source_case.pk).exists():
        raise PermissionDenied(_("来源事项不在您的管辖范围内。"))
    return _record_create(
        firm=firm,
        kind=kind,
        effective_date=effective_date,
        source=source,
        by=by,
        reason=reason,
        expires_on=expires_on,
        doc_no=doc_no,
        evidence=evidence,
        source_case=source_case,
    )


@transaction.atomic
def record_correct(
    *,
    record: CreditRecord,
    by: User,
    reason: str,
    kind: RecordKind,
    effective_date: datetime.date,
    doc_no: str,
    expires_on: datetime.date | None = None,
    evidence: str = "",
) -> CreditRecord:
    """A correction: a new record that supersedes ``record`` (which is never edited). To
    withdraw a record altogether, correct it with the kind "void"."""
    reason = require_reason(reason)
    old = (
        CreditRecord.objects.select_for_update()
        .select_related("firm__jurisdiction")
        .get(pk=record.pk)
    )
    require_editor(by, old.firm.jurisdiction)
    if CreditRecord.objects.filter(supersedes=old).exists():
        raise ValidationError(_("该记录已被更正，请更正最新的记录。"))
    if not (doc_no or "").strip():
        raise ValidationError({"doc_no": _("更正信用记录必须填写文号。")})
    return _record_create(
        firm=old.firm,
        kind=kind,
        effective_date=effective_date,
        source=RecordSource.DOCUMENT,
        by=by,
        reason=reason,
        expires_on=expires_on,
        doc_no=doc_no,
        evidence=evidence,
        source_case=old.source_case,
        source_draw=old.source_draw,
        source_complaint=old.source_complaint,
        supersedes=old,
    )


@transaction.atomic
def record_from_red_flag(
    *, case: Case, firm: IntermediaryFirm, by: User, reason: str, flag_label: str
) -> CreditRecord:
    """An inspector confirms a red flag raised on a case against the firm concerned."""
    reason = require_reason(reason)
    if user_role(by) not in (Role.INSPECTOR, Role.ADMIN):
        raise PermissionDenied(_("只有纪检监察人员或管理员可以核实红旗预警。"))
    if not Case.objects.for_user(by).filter(pk=case.pk).exists():
        raise PermissionDenied(_("该事项不在您的管辖范围内。"))
    return _record_create(
        firm=firm,
        kind=record_kind("red_flag_confirmed", by=by),
        effective_date=timezone.localdate(),
        source=RecordSource.RED_FLAG,
        by=by,
        reason=f"{flag_label}：{reason}",
        evidence=_("事项 %(ref)s 的红旗预警") % {"ref": case.reference},
        source_case=case,
    )
