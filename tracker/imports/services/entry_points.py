"""The public entry points: preview, re-analyse, commit and programmatic import of a file."""

from __future__ import annotations

import time
from pathlib import Path, PurePath
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.cases import services
from tracker.cases.registry import CaseKind, get_kind
from tracker.imports.engine import FileProblem, read_table
from tracker.imports.layout import title_jurisdiction
from tracker.imports.personal import redact, scan
from tracker.imports.services.analysis import analyse
from tracker.imports.services.options import ImportOptions
from tracker.imports.services.report import (
    DUPLICATE_POLICIES,
    ImportRefused,
    ImportReport,
    sha256_of,
    size_message,
)
from tracker.imports.services.writing import _write
from tracker.models import ImportBatch, Jurisdiction, User

# --- the public entry points -------------------------------------------------------------


def _batch_file_name(sha256: str, file_name: str) -> str:
    """Stored under a generated name; the uploader's name is kept in ImportBatch.file_name."""
    suffix = PurePath(file_name or "").suffix.lower()[:10]
    return f"{sha256[:24]}{suffix}"


def _record(report: ImportReport, batch: ImportBatch) -> None:
    batch.counts = report.counts()
    batch.errors = report.errors
    batch.duplicate_policy = report.on_duplicate
    batch.extra_columns = report.extra_columns


def _keep_file(batch: ImportBatch, data: bytes, report_or_table: Any) -> None:
    """Keep the upload with the batch: a copy without ID numbers, phones or birth dates.

    The original's SHA-256 stays in ``batch.sha256``; a file that cannot be read at all is not
    kept (nothing in it can be checked for personal information).
    """
    table = getattr(report_or_table, "table", report_or_table)
    if table is None:
        return
    redaction = getattr(report_or_table, "redaction", None) or scan(table)
    kept = data
    if redaction:
        kept = redact(data, batch.file_name, table, redaction)
        batch.redacted_columns = redaction.labels + (
            [str(_("其他单元格中的身份证号、手机号"))] if redaction.cells else []
        )
    batch.stored_sha256 = sha256_of(kept)
    batch.file.save(_batch_file_name(batch.sha256, batch.file_name), ContentFile(kept), save=False)


def import_preview(
    *,
    data: bytes,
    file_name: str,
    kind: CaseKind,
    jurisdiction: Jurisdiction,
    by: User,
    on_duplicate: str = "skip",
    options: ImportOptions | None = None,
) -> ImportReport:
    """Validate the whole file and record the upload (ImportBatch); writes nothing else."""
    services.require_editor(by, jurisdiction)
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ImportRefused(size_message(len(data)))
    options = options or ImportOptions()
    report = analyse(
        data=data,
        file_name=file_name,
        kind=kind,
        jurisdiction=jurisdiction,
        by=by,
        on_duplicate=on_duplicate,
        options=options,
    )
    batch = ImportBatch(
        kind=kind.key,
        jurisdiction=jurisdiction,
        user=by,
        file_name=(file_name or "")[:255],
        sha256=report.sha256,
        state=ImportBatch.State.PREVIEW if report.ok else ImportBatch.State.REJECTED,
        defaults=options.defaults,
        owner=options.owner,
    )
    _record(report, batch)
    _keep_file(batch, data, report)
    batch.save()
    report.batch = batch
    return report


def batch_data(batch: ImportBatch) -> bytes:
    with batch.file.open("rb") as fh:
        return fh.read()


def batch_analyse(batch: ImportBatch, *, by: User, on_duplicate: str | None = None) -> ImportReport:
    """Re-validate a stored upload against the database as it is now (for the preview page)."""
    report = analyse(
        data=batch_data(batch),
        file_name=batch.file_name,
        kind=get_kind(batch.kind),
        jurisdiction=batch.jurisdiction,
        by=by,
        on_duplicate=on_duplicate or batch.duplicate_policy,
        options=ImportOptions.of(batch),
    )
    report.batch = batch
    return report


class _Rollback(Exception):
    pass


def import_commit(
    *,
    batch: ImportBatch,
    by: User,
    on_duplicate: str | None = None,
    data: bytes | None = None,
) -> ImportReport:
    """Write every row of a previewed file, or none: one transaction, history on every row."""
    services.require_editor(by, batch.jurisdiction)
    if batch.state == ImportBatch.State.COMMITTED:
        raise ImportRefused(_("该文件已于 %(t)s 导入，不能重复导入。") % {"t": batch.committed_at})
    kind = get_kind(batch.kind)
    data = data if data is not None else batch_data(batch)
    policy = on_duplicate if on_duplicate in DUPLICATE_POLICIES else batch.duplicate_policy
    started = time.perf_counter()
    report: ImportReport | None = None
    try:
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.state == ImportBatch.State.COMMITTED:
                raise ImportRefused(_("该文件已导入，不能重复导入。"))
            report = analyse(
                data=data,
                file_name=batch.file_name,
                kind=kind,
                jurisdiction=batch.jurisdiction,
                by=by,
                on_duplicate=policy,
                options=ImportOptions.of(locked),
            )
            if not report.can_commit:
                raise _Rollback
            _write(report, kind, report.context, by)
            report.committed = True
            report.seconds = time.perf_counter() - started
            _record(report, locked)
            locked.state = ImportBatch.State.COMMITTED
            locked.committed_at = timezone.now()
            locked.save()
            batch.refresh_from_db()
    except _Rollback:
        pass
    except (ValidationError, services.StaleEdit, PermissionDenied) as exc:
        # Something changed between the check and the write: nothing was written.
        report = report or ImportReport(
            kind=kind.key,
            jurisdiction=batch.jurisdiction,
            file_name=batch.file_name,
            sha256=batch.sha256,
        )
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        report.file_errors.extend(_("导入失败，未写入任何数据：%(e)s") % {"e": m} for m in messages)
        report.committed = False
    if not report.committed:
        report.seconds = time.perf_counter() - started
        _record(report, batch)
        batch.state = ImportBatch.State.REJECTED
        batch.save(update_fields=["counts", "errors", "duplicate_policy", "state"])
    report.batch = batch
    return report


def jurisdiction_from_title(data: bytes, file_name: str, user: User) -> Jurisdiction:
    """The jurisdiction the file's title rows name, among those the user may import into."""
    from tracker.cases.scoping import jurisdictions_for

    try:
        table = read_table(data, file_name, max_rows=settings.IMPORT_MAX_ROWS)
    except FileProblem as exc:
        raise ImportRefused(str(exc))
    found = title_jurisdiction(table, list(jurisdictions_for(user)))
    if found is None:
        raise ImportRefused(
            _("文件标题中没有可识别的行政区划名称（在您的范围内）：请选择行政区划后再导入。")
        )
    return found


def _resolve(kind: CaseKind | str, jurisdiction: Jurisdiction | str | None, user: User | str):
    kind = get_kind(kind) if isinstance(kind, str) else kind
    if isinstance(jurisdiction, str):
        jurisdiction = Jurisdiction.objects.get(code=jurisdiction)
    if isinstance(user, str):
        user = User.objects.get(username=user)
    return kind, jurisdiction, user


def _read_source(
    source: str | Path | bytes | IO[bytes], file_name: str | None
) -> tuple[bytes, str]:
    """The bytes of a path, bytes or binary file object, and the file name to record."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        data = path.read_bytes()
        file_name = file_name or path.name
    elif isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    else:
        data = source.read()
        file_name = file_name or PurePath(getattr(source, "name", "") or "upload").name
    file_name = file_name or "upload.xlsx"
    return data, file_name


def import_file(
    source: str | Path | bytes | IO[bytes],
    *,
    kind: CaseKind | str,
    jurisdiction: Jurisdiction | str | None,
    user: User | str,
    commit: bool = True,
    on_duplicate: str = "skip",
    file_name: str | None = None,
    options: ImportOptions | None = None,
) -> ImportReport:
    """Import a file programmatically (command line, benchmark): preview, or commit if asked.

    ``source`` is a path, bytes or a binary file object; ``kind`` a key such as "item";
    ``jurisdiction`` a code such as "330102"; ``user`` a username. Returns the report: check
    ``report.ok`` / ``report.committed`` and ``report.errors``. Without a jurisdiction, the one
    the file's title names is used (it must be in the user's scope).
    """
    kind, jurisdiction, user = _resolve(kind, jurisdiction, user)
    options = options or ImportOptions()
    if options.accepted and not user.is_reform_admin:
        raise PermissionDenied(_("只有改革办管理员可以确认警告。"))
    data, file_name = _read_source(source, file_name)
    if jurisdiction is None:
        jurisdiction = jurisdiction_from_title(data, file_name, user)
    if not commit:
        return import_preview(
            data=data,
            file_name=file_name,
            kind=kind,
            jurisdiction=jurisdiction,
            by=user,
            on_duplicate=on_duplicate,
            options=options,
        )
    # Commit straight away: the commit validates the whole file itself (once, in its transaction).
    services.require_editor(user, jurisdiction)
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ImportRefused(size_message(len(data)))
    sha = sha256_of(data)
    batch = ImportBatch(
        kind=kind.key,
        jurisdiction=jurisdiction,
        user=user,
        file_name=file_name[:255],
        sha256=sha,
        duplicate_policy=on_duplicate if on_duplicate in DUPLICATE_POLICIES else "skip",
        defaults=options.defaults,
        owner=options.owner,
        accepted_warnings=options.accepted,
    )
    try:
        table = read_table(data, file_name, max_rows=settings.IMPORT_MAX_ROWS)
    except FileProblem:
        table = None
    _keep_file(batch, data, table)
    batch.save()
    return import_commit(batch=batch, by=user, on_duplicate=on_duplicate, data=data)
