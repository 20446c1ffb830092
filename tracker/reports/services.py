"""Write services for monthly reports: draft, refresh, narrative, issue.

An issued report is frozen: it stores its parameters, its figures (JSON), the PDF and the PDF's
SHA-256, the audit chain head at issue and who issued it. No service edits or deletes it; every
write here refuses an issued report. Each write is all-or-nothing (transaction.atomic; a PDF file
saved before a failure is removed again).
"""

from __future__ import annotations

import datetime
import hashlib
import uuid

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracker.audit.chain import chain_head
from tracker.audit.witness import Source, witness_head
from tracker.cases import workflow
from tracker.cases.scoping import jurisdictions_for, user_role
from tracker.cases.services import tracked_save
from tracker.cases.workflow import Role
from tracker.models import Jurisdiction, MonthlyReport, User
from tracker.reports.figures import (
    FIGURES_VERSION,
    REPORT_LANGUAGE,
    Period,
    build_report_figures,
    parse_month,
    period_for,
)
from tracker.reports.pdf import ReportMeta, build_report_pdf

FROZEN = gettext_lazy("已印发的月报不能修改、重新生成或删除。")
NARRATIVE_FIELDS = ("narrative_progress", "narrative_problems", "narrative_next")
SIGNOFF_FIELDS = ("preparer", "reviewer")
DOCUMENT_FIELDS = ("office", "doc_number", "send_to", "copy_to")
# Who may be granted 签发: a leader (viewer role) or a reform admin; never staff or inspectors.
SIGNER_ROLES = workflow.SIGNERS


def may_sign(user: User) -> bool:
    """Whether the user signs off (签发) monthly reports: granted, and of a signer role."""
    return bool(getattr(user, "can_sign_reports", False)) and user_role(user) in SIGNER_ROLES


def standing_report(jurisdiction: Jurisdiction, month: datetime.date) -> MonthlyReport | None:
    """The issued report that stands for this month and place (the latest correction)."""
    issued = MonthlyReport.objects.filter(
        jurisdiction=jurisdiction, month=month, state=MonthlyReport.State.ISSUED
    ).order_by("-issued_at", "-id")
    for report in issued:
        if report.stands:
            return report
    return None


def require_report_admin(user: User, jurisdiction: Jurisdiction) -> None:
    """Only reform admins draft and issue, and only for jurisdictions in their subtree."""
    if user_role(user) != Role.ADMIN:
        raise PermissionDenied(_("只有改革办管理员可以起草和印发月报。"))
    if not jurisdictions_for(user).filter(pk=jurisdiction.pk).exists():
        raise PermissionDenied(_("该行政区划不在您的管辖范围内。"))


def _locked_draft(report: MonthlyReport) -> MonthlyReport:
    current = MonthlyReport.objects.select_for_update().get(pk=report.pk)
    if current.state != MonthlyReport.State.DRAFT:
        raise ValidationError(FROZEN)
    return current


def _user_label(user: User | None) -> str:
    return "" if user is None else str(user)


def _params(jurisdiction: Jurisdiction, month: datetime.date, by: User) -> dict:
    period = period_for(month)
    return {
        "month": period.key,
        "jurisdiction": jurisdiction.code,
        "as_of": period.next_start.isoformat(),
        "figures_version": FIGURES_VERSION,
        "computed_at": timezone.now().isoformat(),
        "computed_by": by.get_username(),
    }


def report_draft(
    *,
    jurisdiction: Jurisdiction,
    month: str | datetime.date,
    by: User,
    correction_reason: str = "",
) -> MonthlyReport:
    """Compute the figures and create (or refresh) the one draft for this month and jurisdiction.

    When a report for the month and place is already issued, the draft is a correction of the
    one that stands and must say why. The figures are computed before the write transaction
    opens (on SQLite a write transaction locks the database; the computation reads only).
    """
    require_report_admin(by, jurisdiction)
    month_date = parse_month(month)
    reason_text = (correction_reason or "").strip()
    standing = standing_report(jurisdiction, month_date)
    existing = MonthlyReport.objects.filter(
        jurisdiction=jurisdiction, month=month_date, state=MonthlyReport.State.DRAFT
    ).first()
    if standing is not None and not reason_text and not (existing and existing.supersedes_id):
        raise ValidationError(
            _("%(m)s 的月报已印发（第%(n)s期）：再次起草即为更正版本，请填写更正原因。")
            % {"m": f"{month_date:%Y-%m}", "n": standing.issue_no or "—"}
        )
    figures = build_report_figures(jurisdiction, month_date)
    with transaction.atomic():
        report = (
            MonthlyReport.objects.select_for_update()
            .filter(jurisdiction=jurisdiction, month=month_date, state=MonthlyReport.State.DRAFT)
            .order_by("-id")
            .first()
        )
        if report is None:
            report = MonthlyReport(
                jurisdiction=jurisdiction,
                month=month_date,
                created_by=by,
                office=settings.REPORT_OFFICE.format(name=jurisdiction.name),
                send_to=settings.REPORT_SEND_TO,
                copy_to=settings.REPORT_COPY_TO,
            )
            reason = _("起草月报")
        else:
            reason = _("刷新月报数据")
        if standing is not None and reason_text:
            report.supersedes = standing
            report.correction_reason = reason_text
            reason = _("起草更正版本：%(r)s") % {"r": reason_text}
        report.figures = figures
        report.params = _params(jurisdiction, month_date, by)
        tracked_save(report, by=by, reason=reason)
    return report


def report_refresh(*, report: MonthlyReport, by: User) -> MonthlyReport:
    """Recompute a draft's figures (an issued report is never recomputed)."""
    require_report_admin(by, report.jurisdiction)
    if report.state != MonthlyReport.State.DRAFT:
        raise ValidationError(FROZEN)
    figures = build_report_figures(report.jurisdiction, report.month)
    with transaction.atomic():
        current = _locked_draft(report)
        current.figures = figures
        current.params = _params(current.jurisdiction, current.month, by)
        tracked_save(current, by=by, reason=_("刷新月报数据"))
    return current


@transaction.atomic
def report_update_narrative(
    *,
    report: MonthlyReport,
    by: User,
    narrative_progress: str,
    narrative_problems: str,
    narrative_next: str,
    preparer: str,
    reviewer: str,
    **document: str,
) -> MonthlyReport:
    """Save the narrative, the sign-off names and the document lines of a draft.

    Any change to what the leader signed off clears the sign-off (签发): it must be signed again.
    """
    require_report_admin(by, report.jurisdiction)
    unknown = set(document) - set(DOCUMENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    current = _locked_draft(report)
    before = _signed_content(current)
    current.narrative_progress = (narrative_progress or "").strip()
    current.narrative_problems = (narrative_problems or "").strip()
    current.narrative_next = (narrative_next or "").strip()
    current.preparer = (preparer or "").strip()
    current.reviewer = (reviewer or "").strip()
    for name, value in document.items():
        setattr(current, name, (value or "").strip())
    reason = _("填写月报说明和签发人")
    if current.signer_id and _signed_content(current) != before:
        current.signer, current.signed_at = None, None
        reason = _("修改已签发的说明，签发作废，需重新签发")
    tracked_save(current, by=by, reason=reason)
    return current


def _signed_content(report: MonthlyReport) -> list[str]:
    return [getattr(report, n) for n in NARRATIVE_FIELDS + SIGNOFF_FIELDS + DOCUMENT_FIELDS]


def _missing_narrative(report: MonthlyReport) -> list[str]:
    return [
        str(MonthlyReport._meta.get_field(name).verbose_name)
        for name in NARRATIVE_FIELDS
        if not getattr(report, name).strip()
    ]


@transaction.atomic
def report_sign(*, report: MonthlyReport, by: User) -> MonthlyReport:
    """签发: a leader granted the right signs off a draft whose narrative is written."""
    if not may_sign(by):
        raise PermissionDenied(_("您没有签发月报的权限（需由领导或经授权的管理员签发）。"))
    if not jurisdictions_for(by).filter(pk=report.jurisdiction_id).exists():
        raise PermissionDenied(_("该行政区划不在您的管辖范围内。"))
    current = _locked_draft(report)
    missing = _missing_narrative(current)
    if missing:
        raise ValidationError(_("签发前须填写：%(f)s。") % {"f": "、".join(missing)})
    current.signer, current.signed_at = by, timezone.now()
    tracked_save(current, by=by, reason=_("签发月报"))
    return current


def report_meta(
    report: MonthlyReport,
    *,
    by: User | None = None,
    at: datetime.datetime | None = None,
    chain: str = "",
    draft: bool | None = None,
) -> ReportMeta:
    """Cover, header and sign-off values for a report's PDF."""
    with translation.override(REPORT_LANGUAGE):
        period = period_for(report.month)
        when = timezone.localtime(at or report.issued_at or timezone.now())
        return ReportMeta(
            jurisdiction_name=report.jurisdiction.name,
            month_label=period.label,
            generated_at=f"{when:%Y-%m-%d %H:%M}",
            generated_by=_user_label(by or report.issued_by or report.created_by),
            chain_head=chain or report.chain_head,
            draft=report.state == MonthlyReport.State.DRAFT if draft is None else draft,
            narrative={
                "progress": report.narrative_progress,
                "problems": report.narrative_problems,
                "next": report.narrative_next,
            },
            preparer=report.preparer,
            reviewer=report.reviewer,
            office=report.office or settings.REPORT_OFFICE.format(name=report.jurisdiction.name),
            issue_no=report.issue_no,
            doc_number=report.doc_number,
            signer=_user_label(report.signer),
            date_label=_("%(y)d年%(m)d月%(d)d日")
            % {"y": when.year, "m": when.month, "d": when.day},
            send_to=report.send_to,
            copy_to=report.copy_to,
            correction=_correction_note(report),
            created=at or report.issued_at or timezone.now(),
        )


def _correction_note(report: MonthlyReport) -> str:
    if not report.supersedes_id:
        return ""
    old = report.supersedes
    issued = timezone.localtime(old.issued_at) if old.issued_at else None
    return _("（更正版本：本期替代 %(date)s 印发的第%(n)s期，原版本仍可查阅。更正原因：%(r)s）") % {
        "date": f"{issued:%Y-%m-%d}" if issued else "—",
        "n": old.issue_no or "—",
        "r": report.correction_reason,
    }


def render_pdf(figures: dict, meta: ReportMeta) -> bytes:
    """Build the PDF; a font that cannot be used becomes a clear ValidationError."""
    try:
        return build_report_pdf(figures, meta)
    except ImproperlyConfigured as exc:
        raise ValidationError(_("无法生成 PDF：%(e)s") % {"e": exc})
    except OSError as exc:
        raise ValidationError(_("无法生成 PDF：字体文件无法读取（%(e)s）。") % {"e": exc})


def report_preview_pdf(*, report: MonthlyReport, by: User) -> bytes:
    """A draft's PDF built on the fly from its stored figures (nothing is stored)."""
    require_report_admin(by, report.jurisdiction)
    return render_pdf(report.figures, report_meta(report, by=by, at=timezone.now(), draft=True))


def report_issue(*, report: MonthlyReport, by: User) -> MonthlyReport:
    """Freeze a draft: recompute its figures, render and store the PDF with its SHA-256.

    The figures and the PDF are made before the write transaction opens; inside it the draft
    is locked and must still be the draft that was rendered (same narrative and sign-off).
    A PDF file stored before a failed write is removed again.
    """
    require_report_admin(by, report.jurisdiction)
    report = MonthlyReport.objects.select_related("jurisdiction", "created_by").get(pk=report.pk)
    if report.state != MonthlyReport.State.DRAFT:
        raise ValidationError(FROZEN)
    period, now = period_for(report.month), timezone.now()
    _require_issuable(report, period, now)
    report.issue_no = _issue_number(report)
    # The head first: anything recorded after it has a higher sequence and, if dated within
    # the month, flags this report as changed since issue.
    seq, head = chain_head()
    figures = build_report_figures(report.jurisdiction, report.month)
    report.issued_by, report.issued_at = by, now
    report.state = MonthlyReport.State.ISSUED
    pdf = render_pdf(figures, report_meta(report, by=by, at=now, chain=head, draft=False))
    rendered = _signed_content(report) + [report.signer_id]
    name = f"{report.jurisdiction.code}-{period.key}-{uuid.uuid4().hex[:12]}.pdf"
    stored = ""
    try:
        with transaction.atomic():
            current = _locked_draft(report)
            if _signed_content(current) + [current.signer_id] != rendered:
                raise ValidationError(_("说明或签发人刚被修改，请核对后重新印发。"))
            current.figures = figures
            current.state = MonthlyReport.State.ISSUED
            current.issued_by, current.issued_at = by, now
            current.chain_head = head
            current.issue_no = report.issue_no
            current.sha256 = hashlib.sha256(pdf).hexdigest()
            current.params = {
                **_params(current.jurisdiction, current.month, by),
                "chain_seq": seq,
                "chain_head": head,
                "issued_at": now.isoformat(),
                "issued_by": by.get_username(),
                "pdf_bytes": len(pdf),
            }
            current.pdf.save(name, ContentFile(pdf), save=False)
            stored = current.pdf.name
            tracked_save(current, by=by, reason=_("印发月报"))
            witness_head(Source.REPORT, f"MonthlyReport #{current.pk} {name}", seq=seq, head=head)
    except BaseException:
        if stored:
            report.pdf.storage.delete(stored)
        raise
    return current


def _require_issuable(report: MonthlyReport, period: Period, now: datetime.datetime) -> None:
    """Month over, narrative and sign-off written and signed; a second issue only as a correction."""
    if not period.has_ended(now):
        raise ValidationError(
            _("%(m)s 尚未结束，不能印发该月月报（可先保存草稿）。") % {"m": period.key}
        )
    missing = _missing_narrative(report) + [
        str(MonthlyReport._meta.get_field(name).verbose_name)
        for name in SIGNOFF_FIELDS
        if not getattr(report, name).strip()
    ]
    if missing:
        raise ValidationError(_("印发前请填写：%(f)s。") % {"f": "、".join(missing)})
    if not report.signer_id:
        raise ValidationError(_("月报尚未签发：须由领导签发后才能印发。"))
    standing = standing_report(report.jurisdiction, report.month)
    if standing is not None and report.supersedes_id != standing.pk:
        raise ValidationError(
            _("该月月报已印发（第%(n)s期）：只能以更正版本印发，并写明更正原因。")
            % {"n": standing.issue_no or "—"}
        )
    if report.supersedes_id and not report.correction_reason.strip():
        raise ValidationError(_("更正版本须写明更正原因。"))


def _issue_number(report: MonthlyReport) -> int:
    """期数: a correction keeps the number of the report it replaces; otherwise the next one
    of the place's year."""
    if report.supersedes_id:
        return report.supersedes.issue_no or 1
    year_issues = MonthlyReport.objects.filter(
        jurisdiction=report.jurisdiction,
        month__year=report.month.year,
        state=MonthlyReport.State.ISSUED,
    ).exclude(issue_no=None)
    return max(year_issues.values_list("issue_no", flat=True), default=0) + 1


def issued_pdf_bytes(report: MonthlyReport) -> bytes:
    with report.pdf.open("rb") as fh:
        return fh.read()


def verify_pdf(report: MonthlyReport) -> bool:
    """Whether the stored PDF still has the SHA-256 recorded at issue."""
    if not report.pdf or not report.sha256:
        return False
    try:
        return hashlib.sha256(issued_pdf_bytes(report)).hexdigest() == report.sha256
    except OSError:
        return False
