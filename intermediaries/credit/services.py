"""Writes for credit and supervision. Each one checks who may do it, full_cleans and saves with
the acting user and a reason in history (so every step joins the audit chain)."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from intermediaries.credit import draw as draw_algo
from intermediaries.credit import scoring
from intermediaries.credit.models import (
    CandidateScope,
    CheckResult,
    Complaint,
    ComplaintStatus,
    ComplaintSubject,
    CreditRecord,
    EntryBasis,
    ExitBasis,
    InspectorLink,
    ListEntry,
    PlanStatus,
    RecordKind,
    RecordSource,
    ScoringRule,
    SpotCheckDraw,
    SpotCheckPlan,
)
from intermediaries.models import IntermediaryFirm, IntermediaryItem, OfficialPost
from tracker.cases.scoping import jurisdictions_for, user_role
from tracker.cases.services import require_editor, require_reason, tracked_save
from tracker.cases.workflow import Role
from tracker.models import Case, Jurisdiction, User

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


# --- scoring rules -------------------------------------------------------------------------


@transaction.atomic
def rule_publish(
    *,
    by: User,
    name: str,
    doc_no: str,
    effective_from: datetime.date,
    bands: list[dict],
    reason: str,
    base_score: int = 100,
    points: dict[str, int] | None = None,
    decay: str = "none",
    abnormal_below: int | None = None,
    black_below: int | None = None,
    abnormal_kinds: list[str] | None = None,
    black_kinds: list[str] | None = None,
    repair_days: int = 365,
) -> ScoringRule:
    """A new version of the scoring rule, in force from ``effective_from`` (today or later: a
    version never reaches back, so grades already given stay as they were)."""
    _require_admin(by)
    reason = require_reason(reason)
    catalogue_ensure(by=by)
    if effective_from < timezone.localdate():
        raise ValidationError(
            {"effective_from": _("新版本的施行日期不能早于今天：已作出的评级不得追溯改变。")}
        )
    latest = ScoringRule.objects.select_for_update().order_by("-version").first()
    if latest is not None and effective_from < latest.effective_from:
        raise ValidationError(
            {
                "effective_from": _("施行日期不能早于上一版本（v%(v)d，%(d)s）。")
                % {"v": latest.version, "d": latest.effective_from.isoformat()}
            }
        )
    top = ScoringRule.objects.aggregate(m=Max("version"))["m"] or 0
    rule = ScoringRule(
        version=top + 1,
        name=name,
        doc_no=(doc_no or "").strip(),
        effective_from=effective_from,
        base_score=base_score,
        points=points or {},
        decay=decay,
        bands=bands,
        abnormal_below=abnormal_below,
        black_below=black_below,
        abnormal_kinds=abnormal_kinds or [],
        black_kinds=black_kinds or [],
        repair_days=repair_days,
        reason=reason,
        created_by=by,
    )
    tracked_save(rule, by=by, reason=reason)
    return rule


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


# --- spot checks ---------------------------------------------------------------------------


def _candidate_firms(plan: SpotCheckPlan):
    scope = Jurisdiction.objects.filter(path__startswith=plan.jurisdiction.path)
    firms = IntermediaryFirm.objects.filter(jurisdiction__in=scope)
    if plan.scope == CandidateScope.CATEGORY:
        firms = firms.filter(service_categories__icontains=plan.category.strip())
    elif plan.scope == CandidateScope.JURISDICTION:
        sub = Jurisdiction.objects.filter(path__startswith=plan.target_jurisdiction.path)
        firms = firms.filter(jurisdiction__in=sub)
    return firms


def linked_inspectors(firms: list[IntermediaryFirm], inspector_ids: list[int]) -> dict[int, set]:
    """For each firm, the inspectors linked to it: working in its supervising department, or in
    the department of an official holding a post there, or themselves that official."""
    links = {link.user_id: link for link in InspectorLink.objects.filter(user_id__in=inspector_ids)}
    posts: dict[int, list[OfficialPost]] = {}
    for post in OfficialPost.objects.filter(firm__in=[f.pk for f in firms]):
        posts.setdefault(post.firm_id, []).append(post)
    out: dict[int, set] = {}
    for firm in firms:
        linked = set()
        for uid, link in links.items():
            depts = {firm.supervising_agency_id} | {
                p.employing_department_id for p in posts.get(firm.pk, [])
            }
            depts.discard(None)
            if link.department_id and link.department_id in depts:
                linked.add(uid)
            refs = {p.person_ref for p in posts.get(firm.pk, [])}
            if link.person_ref and link.person_ref in refs:
                linked.add(uid)
        if linked:
            out[firm.pk] = linked
    return out


@transaction.atomic
def plan_create(*, by: User, fields: dict[str, Any], inspectors: list[User]) -> SpotCheckPlan:
    _require_admin(by)
    plan = SpotCheckPlan(created_by=by, jurisdiction=by.jurisdiction, **fields)
    if (
        plan.target_jurisdiction_id
        and not jurisdictions_for(by).filter(pk=plan.target_jurisdiction_id).exists()
    ):
        raise PermissionDenied(_("抽查区划不在您的管辖范围内。"))
    tracked_save(plan, by=by, reason=_("新建抽查计划"))
    plan.inspectors.set(inspectors)
    return plan


@transaction.atomic
def plan_commit(*, plan: SpotCheckPlan, by: User) -> SpotCheckPlan:
    """Freeze the candidate lists and publish the SHA-256 of a fresh seed, before the draw."""
    _require_admin(by)
    plan = SpotCheckPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("该计划已公布随机种子摘要，不能再次公布。"))
    firms = list(_candidate_firms(plan).order_by("pk"))
    inspectors = sorted(plan.inspectors.filter(is_active=True).values_list("pk", flat=True))
    excluded = linked_inspectors(firms, inspectors)
    candidates = {
        "firms": [f.pk for f in firms],
        "inspectors": inspectors,
        "excluded": {str(k): sorted(v) for k, v in excluded.items()},
    }
    problems = draw_algo.problems(candidates, plan.firm_count, plan.inspectors_per_firm)
    if problems:
        raise ValidationError(problems)
    seed = secrets.token_hex(32)
    plan.candidates = candidates
    plan.candidates_sha256 = draw_algo.sha256(draw_algo.canonical(candidates))
    plan.seed = seed
    plan.seed_sha256 = draw_algo.sha256(seed)
    plan.status, plan.committed_at = PlanStatus.COMMITTED, timezone.now()
    tracked_save(plan, by=by, reason=_("冻结候选名单并公布随机种子摘要"))
    return plan


@transaction.atomic
def plan_draw(*, plan: SpotCheckPlan, by: User) -> list[SpotCheckDraw]:
    """Reveal the seed and draw the firms and their inspectors."""
    _require_admin(by)
    plan = SpotCheckPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.COMMITTED:
        raise ValidationError(_("请先公布随机种子摘要，再进行抽取。"))
    try:
        drawn = draw_algo.run(plan.seed, plan.candidates, plan.firm_count, plan.inspectors_per_firm)
    except draw_algo.DrawImpossible as exc:
        raise ValidationError(str(exc)) from exc
    firms = IntermediaryFirm.objects.in_bulk([d.firm_id for d in drawn])
    rows = []
    for position, d in enumerate(drawn, start=1):
        row = SpotCheckDraw(
            plan=plan,
            position=position,
            firm=firms[d.firm_id],
            jurisdiction_id=firms[d.firm_id].jurisdiction_id,
            inspector_ids=list(d.inspector_ids),
        )
        tracked_save(row, by=by, reason=_("双随机抽取"))
        rows.append(row)
    plan.status, plan.drawn_at = PlanStatus.DRAWN, timezone.now()
    tracked_save(plan, by=by, reason=_("公开随机种子并抽取"))
    return rows


@transaction.atomic
def check_result(
    *,
    draw: SpotCheckDraw,
    result: str,
    result_date: datetime.date,
    doc_no: str,
    evidence: str,
    by: User,
) -> SpotCheckDraw:
    """Record a check's result with its evidence; it becomes a credit record of the firm."""
    draw = SpotCheckDraw.objects.select_for_update().select_related("firm", "plan").get(pk=draw.pk)
    if by.pk not in draw.inspector_ids:
        require_editor(by, draw.jurisdiction)
    if draw.result:
        raise ValidationError(_("该抽查结果已录入；如需更正，请更正相应的信用记录。"))
    if result not in CHECK_RESULT_KINDS:
        raise ValidationError({"result": _("请选择检查结果。")})
    if not (evidence or "").strip():
        raise ValidationError({"evidence": _("请填写证据材料。")})
    if result_date < draw.plan.period_start:
        raise ValidationError({"result_date": _("检查日期不能早于计划开始日期。")})
    draw.result, draw.result_date = result, result_date
    draw.result_doc_no, draw.evidence, draw.result_by = doc_no.strip(), evidence.strip(), by
    reason = _("录入抽查结果：%(r)s") % {"r": draw.get_result_display()}
    tracked_save(draw, by=by, reason=reason)
    _record_create(
        firm=draw.firm,
        kind=record_kind(CHECK_RESULT_KINDS[result], by=by),
        effective_date=result_date,
        source=RecordSource.SPOT_CHECK,
        by=by,
        reason=reason,
        doc_no=doc_no,
        evidence=evidence,
        source_draw=draw,
    )
    return draw


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
