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

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracker.audit.chain import chain_head
from tracker.cases.scoping import jurisdictions_for, user_role
from tracker.cases.services import tracked_save
from tracker.cases.workflow import Role
from tracker.models import Jurisdiction, MonthlyReport, User
from tracker.reports.figures import (
    FIGURES_VERSION,
    REPORT_LANGUAGE,
    build_report_figures,
    parse_month,
    period_for,
)
from tracker.reports.pdf import ReportMeta, build_report_pdf

FROZEN = gettext_lazy("已印发的月报不能修改、重新生成或删除。")
NARRATIVE_FIELDS = ("narrative_progress", "narrative_problems", "narrative_next")
SIGNOFF_FIELDS = ("preparer", "reviewer")


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
    if user is None:
        return ""
    return str(user)


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
    *, jurisdiction: Jurisdiction, month: str | datetime.date, by: User
) -> MonthlyReport:
    """Compute the figures and create (or refresh) the one draft for this month and jurisdiction.

    The figures are computed before the write transaction opens (on SQLite a write transaction
    locks the database; the computation reads only).
    """
    require_report_admin(by, jurisdiction)
    month_date = parse_month(month)
    figures = build_report_figures(jurisdiction, month_date)
    with transaction.atomic():
        report = (
            MonthlyReport.objects.select_for_update()
            .filter(jurisdiction=jurisdiction, month=month_date, state=MonthlyReport.State.DRAFT)
            .order_by("-id")
            .first()
        )
        if report is None:
            report = MonthlyReport(jurisdiction=jurisdiction, month=month_date, created_by=by)
            reason = _("起草月报")
        else:
            reason = _("刷新月报数据")
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
) -> MonthlyReport:
    """Save the narrative and the sign-off names of a draft."""
    require_report_admin(by, report.jurisdiction)
    current = _locked_draft(report)
    current.narrative_progress = (narrative_progress or "").strip()
    current.narrative_problems = (narrative_problems or "").strip()
    current.narrative_next = (narrative_next or "").strip()
    current.preparer = (preparer or "").strip()
    current.reviewer = (reviewer or "").strip()
    tracked_save(current, by=by, reason=_("填写月报说明和签发人"))
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
        )


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
    period = period_for(report.month)
    now = timezone.now()
    if not period.has_ended(now):
        raise ValidationError(
            _("%(m)s 尚未结束，不能印发该月月报（可先保存草稿）。") % {"m": period.key}
        )
    missing = [
        str(MonthlyReport._meta.get_field(name).verbose_name)
        for name in SIGNOFF_FIELDS
        if not getattr(report, name).strip()
    ]
    if missing:
        raise ValidationError(_("印发前请填写：%(f)s。") % {"f": "、".join(missing)})
    # The head first: anything recorded after it has a higher sequence and, if dated within
    # the month, flags this report as changed since issue.
    seq, head = chain_head()
    figures = build_report_figures(report.jurisdiction, report.month)
    report.issued_by, report.issued_at = by, now
    report.state = MonthlyReport.State.ISSUED
    pdf = render_pdf(figures, report_meta(report, by=by, at=now, chain=head, draft=False))
    rendered = [getattr(report, name) for name in NARRATIVE_FIELDS + SIGNOFF_FIELDS]
    name = f"{report.jurisdiction.code}-{period.key}-{uuid.uuid4().hex[:12]}.pdf"
    stored = ""
    try:
        with transaction.atomic():
            current = _locked_draft(report)
            if [getattr(current, n) for n in NARRATIVE_FIELDS + SIGNOFF_FIELDS] != rendered:
                raise ValidationError(_("说明或签发人刚被修改，请核对后重新印发。"))
            current.figures = figures
            current.state = MonthlyReport.State.ISSUED
            current.issued_by = by
            current.issued_at = now
            current.chain_head = head
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
    except BaseException:
        if stored:
            report.pdf.storage.delete(stored)
        raise
    return current


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
