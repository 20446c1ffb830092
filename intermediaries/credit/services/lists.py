"""The lists (red and black lists): entry, notice, exit."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intermediaries.credit import scoring
from intermediaries.credit.models import (
    CreditRecord,
    EntryBasis,
    ExitBasis,
    ListEntry,
)
from intermediaries.models import IntermediaryFirm
from tracker.cases.services import require_editor, require_reason, tracked_save
from tracker.models import User

# --- lists ---------------------------------------------------------------------------------


@transaction.atomic
def list_enter(
    *,
    firm: IntermediaryFirm,
    list_type: str,
    basis: str,
    decision_no: str,
    decision_date: datetime.date,
    reason: str,
    evidence: str,
    by: User,
) -> ListEntry:
    """Put a firm on a list, by rule (the rule in force on the decision date must put it there)
    or by decision; always with a decision number, date, reason and evidence."""
    reason = require_reason(reason)
    require_editor(by, firm.jurisdiction)
    IntermediaryFirm.objects.select_for_update().filter(pk=firm.pk).first()  # one entry at a time
    if decision_date > timezone.localdate():
        raise ValidationError({"decision_date": _("列入日期不能晚于今天。")})
    if ListEntry.objects.filter(firm=firm, list_type=list_type, exited_on__isnull=True).exists():
        raise ValidationError(_("该机构已在此名单中，不能重复列入。"))
    grade = scoring.firm_grade(firm.pk, decision_date)
    rule, trigger = grade.rule, None
    if basis in (EntryBasis.RULE_SCORE, EntryBasis.RULE_KIND):
        hits = {t[0]: t for t in grade.triggers}
        hit = hits.get(list_type)
        if hit is None or hit[1] != basis:
            raise ValidationError(
                _("按 %(d)s 施行的评分规则，该机构不满足此列入条件（得分 %(s)s）。")
                % {"d": decision_date.isoformat(), "s": grade.score}
            )
        trigger = CreditRecord.objects.filter(pk=hit[2]).first() if hit[2] else None
    repair_days = rule.repair_days if rule else 365
    entry = ListEntry(
        firm=firm,
        jurisdiction_id=firm.jurisdiction_id,
        list_type=list_type,
        basis=basis,
        rule=rule,
        trigger_record=trigger,
        decision_no=(decision_no or "").strip(),
        decision_date=decision_date,
        reason=reason,
        evidence=(evidence or "").strip(),
        repair_until=decision_date + datetime.timedelta(days=repair_days),
        created_by=by,
    )
    if not entry.decision_no:
        raise ValidationError({"decision_no": _("请填写列入决定文号。")})
    if not entry.evidence:
        raise ValidationError({"evidence": _("请填写证据材料。")})
    tracked_save(entry, by=by, reason=reason)
    return entry


@transaction.atomic
def list_notice(
    *, entry: ListEntry, notice_date: datetime.date, method: str, by: User, reason: str = ""
) -> ListEntry:
    """Record the notice of the listing given to the firm (date, method and receipt)."""
    entry = ListEntry.objects.select_for_update().get(pk=entry.pk)
    require_editor(by, entry.jurisdiction)
    if notice_date < entry.decision_date:
        raise ValidationError({"notice_date": _("告知日期不能早于列入日期。")})
    if not (method or "").strip():
        raise ValidationError({"notice_method": _("请填写告知方式及回执。")})
    entry.notice_date, entry.notice_method = notice_date, method.strip()
    tracked_save(entry, by=by, reason=reason or _("记录告知"))
    return entry


@transaction.atomic
def list_exit(
    *,
    entry: ListEntry,
    basis: str,
    decision_no: str,
    exit_date: datetime.date,
    reason: str,
    by: User,
) -> ListEntry:
    """Take a firm off a list: after the repair period (and, for an entry by rule, only when
    the rule no longer puts it there), or on appeal / by decision at any time; always with a
    decision number."""
    reason = require_reason(reason)
    entry = ListEntry.objects.select_for_update().get(pk=entry.pk)
    require_editor(by, entry.jurisdiction)
    if entry.exited_on is not None:
        raise ValidationError(_("该机构已移出此名单。"))
    if not (decision_no or "").strip():
        raise ValidationError({"exit_decision_no": _("请填写移出决定文号。")})
    if exit_date > timezone.localdate():
        raise ValidationError({"exited_on": _("移出日期不能晚于今天。")})
    if exit_date < entry.decision_date:
        raise ValidationError({"exited_on": _("移出日期不能早于列入日期。")})
    if basis == ExitBasis.REPAIR:
        if exit_date < entry.repair_until:
            raise ValidationError(
                {
                    "exited_on": _("信用修复期至 %(d)s 届满，届满前不能以修复为由移出。")
                    % {"d": entry.repair_until.isoformat()}
                }
            )
        if entry.basis != EntryBasis.DECISION:
            grade = scoring.firm_grade(entry.firm_id, exit_date)
            if any(t[0] == entry.list_type for t in grade.triggers):
                raise ValidationError(
                    _("按 %(d)s 施行的评分规则，该机构仍满足列入条件（得分 %(s)s），不能移出。")
                    % {"d": exit_date.isoformat(), "s": grade.score}
                )
    elif basis not in (ExitBasis.APPEAL, ExitBasis.DECISION):
        raise ValidationError(_("未知的移出依据。"))
    entry.exited_on, entry.exit_basis = exit_date, basis
    entry.exit_decision_no, entry.exit_reason = decision_no.strip(), reason
    tracked_save(entry, by=by, reason=reason)
    return entry
