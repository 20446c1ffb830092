"""Public complaints: submission (no login, tracking code) and triage by staff."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intermediaries.credit.models import (
    Complaint,
    ComplaintStatus,
    ComplaintSubject,
    RecordSource,
)
from intermediaries.credit.services.records import (
    _record_create,
    record_kind,
)
from intermediaries.models import IntermediaryFirm, IntermediaryItem
from tracker.cases.services import require_editor, tracked_save
from tracker.models import Case, Jurisdiction, User

# --- complaints ----------------------------------------------------------------------------

TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """``days`` working days (Monday to Friday) after ``start``."""
    day = start
    while days > 0:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def _match_subject(complaint: Complaint) -> None:
    """Link the complaint to the register entry it names (exact name in that jurisdiction)."""
    name = complaint.subject_text.strip()
    place = Jurisdiction.objects.filter(path__startswith=complaint.jurisdiction.path)
    if complaint.subject_type == ComplaintSubject.FIRM:
        complaint.firm = IntermediaryFirm.objects.filter(jurisdiction__in=place, name=name).first()
    elif complaint.subject_type == ComplaintSubject.ITEM:
        complaint.item = IntermediaryItem.objects.filter(
            case__jurisdiction__in=place, name=name
        ).first()
        if complaint.item is not None and complaint.item.provider_firm_id:
            complaint.firm = complaint.item.provider_firm
    elif complaint.subject_type == ComplaintSubject.FEE:
        from fees.models import FeeItem

        complaint.fee = FeeItem.objects.filter(case__jurisdiction__in=place, name=name).first()


def complaint_submit(
    *,
    jurisdiction: Jurisdiction,
    subject_type: str,
    subject_text: str,
    description: str,
    happened_on: datetime.date | None = None,
    contact: str = "",
    anonymous: bool = False,
) -> Complaint:
    """A public complaint (no login): refused if it holds a citizen ID number or is too long;
    answered within the configured working days; returns it with its tracking code."""
    from intermediaries.credit.privacy import id_number_problem

    errors = {}
    for field, value in (
        ("subject_text", subject_text),
        ("description", description),
        ("contact", contact),
    ):
        problem = id_number_problem(value or "")
        if problem:
            errors[field] = problem
    limit = settings.CREDIT_COMPLAINT_MAX_CHARS
    if len(description or "") > limit:
        errors["description"] = _("内容过长：最多 %(n)d 字。") % {"n": limit}
    if anonymous and contact:
        contact = ""  # anonymous means nothing that identifies the complainant is kept
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    with transaction.atomic():
        complaint = Complaint(
            tracking_code="".join(secrets.choice(TRACKING_ALPHABET) for _i in range(12)),
            jurisdiction=jurisdiction,
            subject_type=subject_type,
            subject_text=(subject_text or "").strip(),
            description=(description or "").strip(),
            happened_on=happened_on,
            contact=(contact or "").strip(),
            anonymous=anonymous,
            due_date=add_working_days(today, settings.CREDIT_COMPLAINT_REPLY_WORKING_DAYS),
        )
        _match_subject(complaint)
        tracked_save(complaint, by=None, reason=_("公众提交投诉举报"))
    return complaint


def _link_substantiated(
    complaint: Complaint,
    by: User,
    record_kind_code: str,
    link_case: Case | None,
    new_item_case: bool,
) -> None:
    """A substantiated complaint: at least a record or a case; an existing case linked (in the
    user's scope) or a new item case registered."""
    if not (record_kind_code or link_case or new_item_case):
        raise ValidationError(
            _("核查属实的投诉须记入机构信用记录，或关联/新建台账事项（可同时）。")
        )
    if link_case is not None:
        if not Case.objects.for_user(by).filter(pk=link_case.pk).exists():
            raise PermissionDenied(_("关联事项不在您的管辖范围内。"))
        complaint.linked_case = link_case
    elif new_item_case:
        from tracker.cases.registry import get_kind
        from tracker.cases.services import case_create

        complaint.linked_case = case_create(
            kind=get_kind("item"),
            jurisdiction=complaint.jurisdiction,
            by=by,
            case_fields={},
            subject_fields={"name": complaint.subject_text[:300]},
            reason=_("根据投诉举报 %(c)s 立案") % {"c": complaint.tracking_code},
        )


@transaction.atomic
def complaint_triage(
    *,
    complaint: Complaint,
    outcome: str,
    reply: str,
    by: User,
    record_kind_code: str = "",
    firm: IntermediaryFirm | None = None,
    link_case: Case | None = None,
    new_item_case: bool = False,
) -> Complaint:
    """Staff of the named place decide a complaint and publish a reply. Substantiated: a credit
    record of the firm and/or a case (an existing one linked, or a new item case)."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    require_editor(by, complaint.jurisdiction)
    if not complaint.is_open():
        raise ValidationError(_("该投诉已办结。"))
    if outcome not in (
        ComplaintStatus.SUBSTANTIATED,
        ComplaintStatus.NOT_SUBSTANTIATED,
        ComplaintStatus.OUT_OF_SCOPE,
    ):
        raise ValidationError({"status": _("请选择核查结论。")})
    reply = (reply or "").strip()
    if not reply:
        raise ValidationError({"reply": _("请填写答复内容。")})
    firm = firm or complaint.firm
    reason = _("投诉举报办结：%(o)s") % {"o": ComplaintStatus(outcome).label}
    if outcome == ComplaintStatus.SUBSTANTIATED:
        _link_substantiated(complaint, by, record_kind_code, link_case, new_item_case)
    complaint.status, complaint.reply = outcome, reply
    complaint.replied_on, complaint.handled_by = timezone.localdate(), by
    if firm is not None:
        complaint.firm = firm
    tracked_save(complaint, by=by, reason=reason)
    if outcome == ComplaintStatus.SUBSTANTIATED and record_kind_code:
        if firm is None:
            raise ValidationError({"firm": _("记入信用记录须选择被投诉的中介机构。")})
        require_editor(by, firm.jurisdiction)
        _record_create(
            firm=firm,
            kind=record_kind(record_kind_code, by=by),
            effective_date=timezone.localdate(),
            source=RecordSource.COMPLAINT,
            by=by,
            reason=reason,
            evidence=_("投诉举报 %(c)s 核查属实") % {"c": complaint.tracking_code},
            source_complaint=complaint,
            source_case=complaint.linked_case,
        )
    return complaint
