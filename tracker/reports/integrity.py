"""Frozen files served as frozen: every download recomputes SHA-256 against the stored record.

An issued report's PDF must still hash to the SHA-256 stored at issue; a catalogue edition's
entries must still hash to the digest stored at publication (its PDF/XLSX are rendered from
them). A mismatch refuses the download, is logged, and alerts the reform admins and
inspectors over the place (once per object and stored digest); ``verify_audit`` lists every
mismatch too (``frozen_problems``).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.utils.translation import gettext as _

from tracker.deadlines.alerts import admins_and_inspectors, notify
from tracker.deadlines.models import Notification
from tracker.models import MonthlyReport

logger = logging.getLogger("tracker.web.security")


@dataclass(frozen=True)
class FrozenProblem:
    what: str  # e.g. "月报 测试市 2026-11"
    detail: str
    key: str  # dedupe key of the alert


def _report_bytes(report: MonthlyReport) -> bytes | None:
    try:
        with report.pdf.open("rb") as fh:
            return fh.read()
    except (OSError, ValueError):
        return None


def report_problem(report: MonthlyReport, data: bytes | None = None) -> FrozenProblem | None:
    """Why an issued report's stored PDF is not the one frozen at issue, or None."""
    what = _("月报 %(r)s（第%(n)s期）") % {"r": report, "n": report.issue_no or "—"}
    key = f"integrity:report:{report.pk}:{report.sha256}"
    if data is None:
        data = _report_bytes(report) if report.pdf else None
    if data is None:
        return FrozenProblem(what, _("PDF 文件缺失或无法读取"), key)
    digest = hashlib.sha256(data).hexdigest()
    if digest != report.sha256:
        detail = _("PDF 的 SHA-256 为 %(now)s，印发时记录为 %(then)s") % {
            "now": digest,
            "then": report.sha256,
        }
        return FrozenProblem(what, detail, key)
    return None


def edition_problem(edition) -> FrozenProblem | None:
    """Why a catalogue edition's entries no longer match the digest stored at publication."""
    from tracker.catalogue.services import snapshot_sha256

    digest = snapshot_sha256(edition.entries)
    if edition.sha256 and digest != edition.sha256:
        return FrozenProblem(
            _("目录 %(e)s") % {"e": edition},
            _("目录内容的 SHA-256 为 %(now)s，发布时记录为 %(then)s")
            % {"now": digest, "then": edition.sha256},
            f"integrity:edition:{edition.pk}:{edition.sha256}",
        )
    return None


def raise_alert(problem: FrozenProblem, *, jurisdiction, by=None) -> None:
    """Log the mismatch and notify the admins and inspectors over the place."""
    who = by.get_username() if by is not None and by.is_authenticated else "-"
    logger.error("frozen file mismatch: %s: %s (download by %s)", problem.what, problem.detail, who)
    notify(
        users=admins_and_inspectors(jurisdiction),
        kind=Notification.Kind.INTEGRITY,
        subject=_("完整性告警：%(w)s 与冻结记录不符") % {"w": problem.what},
        body=_("%(d)s。下载已被拒绝，请核查存储并联系纪检监察。") % {"d": problem.detail},
        key=problem.key,
    )


def frozen_file_or_alert(report: MonthlyReport, *, label: str = "", by=None) -> bytes | None:
    """The issued PDF's bytes when they match the record; otherwise None, with an alert."""
    data = _report_bytes(report)
    problem = report_problem(report, data)
    if problem is None:
        return data
    raise_alert(problem, jurisdiction=report.jurisdiction, by=by)
    return None


def edition_ok_or_alert(edition, *, by=None) -> bool:
    problem = edition_problem(edition)
    if problem is None:
        return True
    raise_alert(problem, jurisdiction=edition.jurisdiction, by=by)
    return False


def frozen_problems() -> list[FrozenProblem]:
    """Every issued report and catalogue edition that no longer matches its record."""
    from tracker.catalogue.models import CatalogueEdition

    problems = []
    issued = MonthlyReport.objects.filter(state=MonthlyReport.State.ISSUED).order_by("pk")
    for report in issued.iterator(chunk_size=200):
        problem = report_problem(report)
        if problem is not None:
            problems.append(problem)
    for edition in CatalogueEdition.objects.order_by("pk").iterator(chunk_size=200):
        problem = edition_problem(edition)
        if problem is not None:
            problems.append(problem)
    return problems
