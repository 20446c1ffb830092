"""manage.py monthly_report: draft and issue a monthly report (月报), or only write its PDF.

    python manage.py monthly_report --month 2026-11 --jurisdiction 330100 --output report.pdf \
        --user carol --signer vera [--preparer 张填报 --reviewer 李审核] \
        [--narrative-from-figures] [--correction-reason "..."]
    python manage.py monthly_report --month 2026-11 --jurisdiction 330100 --output draft.pdf --draft

Without --draft the report is drafted (an existing draft for the month keeps its narrative) and
issued by --user, a reform admin whose scope includes the jurisdiction, after --signer (a leader
granted 签发) signed it off; empty narrative sections are drafted from the figures only with
--narrative-from-figures; a month already issued needs --correction-reason. The issued PDF is
then copied to --output. With --draft nothing is stored: the figures are computed and the PDF is
written to --output only. Bad input stops with a clear message and writes nothing.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.cases.scoping import jurisdictions_for
from tracker.models import Jurisdiction, MonthlyReport, User
from tracker.reports import services as report_services
from tracker.reports.figures import build_report_figures, parse_month, period_for
from tracker.reports.narrative import draft_narrative
from tracker.reports.pdf import ReportMeta


class Command(BaseCommand):
    help = "Draft and issue the monthly progress report for a month and jurisdiction (月报)."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM, e.g. 2026-11")
        parser.add_argument("--jurisdiction", required=True, help="division code, e.g. 330100")
        parser.add_argument("--output", required=True, help="where to write the PDF")
        parser.add_argument(
            "--draft", action="store_true", help="only write the PDF, store nothing"
        )
        parser.add_argument("--user", help="username of the reform admin who issues it")
        parser.add_argument("--preparer", help="填报人 (sign-off), if not filled in on the page")
        parser.add_argument("--reviewer", help="审核人 (sign-off), if not filled in on the page")
        parser.add_argument("--signer", help="username of the leader who signs it off (签发)")
        parser.add_argument(
            "--narrative-from-figures",
            action="store_true",
            help="fill empty narrative sections with the sentences drafted from the figures",
        )
        parser.add_argument("--correction-reason", default="", help="更正原因 (a re-issue)")

    def handle(self, *args, **options):
        try:
            month = parse_month(options["month"])
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages))
        jurisdiction = Jurisdiction.objects.filter(code=options["jurisdiction"].strip()).first()
        if jurisdiction is None:
            raise CommandError(_("行政区划代码不存在：%(c)s") % {"c": options["jurisdiction"]})
        user = self._user(options.get("user"), jurisdiction, required=not options["draft"])
        output = Path(options["output"])
        if not output.parent.exists():
            raise CommandError(_("输出目录不存在：%(d)s") % {"d": output.parent})
        if options["draft"]:
            pdf = self._draft_pdf(jurisdiction, month, user)
        else:
            pdf = self._issue(jurisdiction, month, user, options)
        _write_atomically(output, pdf)
        self.stdout.write(f"OK: {output} ({len(pdf)} bytes)")

    def _user(self, username: str | None, jurisdiction: Jurisdiction, *, required: bool):
        if not username:
            if required:
                raise CommandError(
                    _("印发月报需要 --user 指定改革办管理员（或加 --draft 只生成 PDF）。")
                )
            return None
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("用户不存在或已停用：%(u)s") % {"u": username})
        if not jurisdictions_for(user).filter(pk=jurisdiction.pk).exists():
            raise CommandError(
                _("行政区划 %(c)s 不在用户 %(u)s 的管辖范围内。")
                % {"c": jurisdiction.code, "u": username}
            )
        return user

    def _draft_pdf(self, jurisdiction: Jurisdiction, month, user) -> bytes:
        try:
            figures = build_report_figures(jurisdiction, month)
            now = timezone.localtime()
            meta = ReportMeta(
                jurisdiction_name=jurisdiction.name,
                month_label=period_for(month).label,
                generated_at=f"{now:%Y-%m-%d %H:%M}",
                generated_by=str(user) if user else "monthly_report",
                draft=True,
            )
            return report_services.render_pdf(figures, meta)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages))

    def _issue(self, jurisdiction: Jurisdiction, month, user, options) -> bytes:
        try:
            with transaction.atomic():
                report = report_services.report_draft(
                    jurisdiction=jurisdiction,
                    month=month,
                    by=user,
                    correction_reason=options.get("correction_reason") or "",
                )
                narrative = {n: getattr(report, n) for n in report_services.NARRATIVE_FIELDS}
                if options.get("narrative_from_figures"):
                    drafted = draft_narrative(report.figures)
                    narrative = {n: v.strip() or drafted[n] for n, v in narrative.items()}
                report = report_services.report_update_narrative(
                    report=report,
                    by=user,
                    **narrative,
                    preparer=options.get("preparer") or report.preparer,
                    reviewer=options.get("reviewer") or report.reviewer,
                )
                if options.get("signer"):
                    signer = self._user(options["signer"], jurisdiction, required=True)
                    report = report_services.report_sign(report=report, by=signer)
                report = report_services.report_issue(report=report, by=user)
        except (ValidationError, PermissionDenied) as exc:
            messages = getattr(exc, "messages", None) or [str(exc)]
            raise CommandError("；".join(messages))
        report = MonthlyReport.objects.get(pk=report.pk)
        self.stdout.write(f"issued report #{report.pk} sha256={report.sha256}")
        return report_services.issued_pdf_bytes(report)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside the target, then rename: never a half-written PDF."""
    fd, tmp = tempfile.mkstemp(prefix=".monthly-report-", suffix=".pdf", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
