"""Records-transfer archives (档案移交): every case of a jurisdiction subtree with its full
history as JSON, the evidence files, and a manifest of SHA-256 digests plus the audit chain head.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models
from django.utils import timezone

from tracker.audit.chain import chain_head
from tracker.audit.witness import Source, witness_head
from tracker.cases.registry import get_kind
from tracker.models import Case, Evidence, Jurisdiction, Milestone, Note

MANIFEST = "manifest.json"
FORMAT = "cleanup-tracker-archive/1"


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or ""
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)


def _row(instance: models.Model) -> dict[str, Any]:
    return {
        f.attname: _jsonable(getattr(instance, f.attname)) for f in instance._meta.concrete_fields
    }


def _history(qs) -> list[dict[str, Any]]:
    return [_row(h) for h in qs.order_by("history_date", "history_id")]


def case_record(case: Case) -> dict[str, Any]:
    """One case with its subject, milestones, evidence, notes and every history row."""
    kind = get_kind(case.kind)
    subject = case.subject
    subject_history = kind.subject_model.history.filter(case_id=case.pk)
    return {
        "case": _row(case),
        "kind": case.kind,
        "subject_model": kind.subject_model._meta.label,
        "subject": _row(subject) if subject is not None else None,
        "milestones": [_row(m) for m in case.milestones.order_by("order")],
        "evidence": [_row(e) for e in case.evidence.order_by("id")],
        "notes": [_row(n) for n in case.notes.order_by("id")],
        "history": {
            "case": _history(Case.history.filter(id=case.pk)),
            "subject": _history(subject_history),
            "milestones": _history(Milestone.history.filter(case_id=case.pk)),
            "evidence": _history(Evidence.history.filter(case_id=case.pk)),
            "notes": _history(Note.history.filter(case_id=case.pk)),
        },
    }


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def export_archive(*, jurisdiction: Jurisdiction, output: Path, generated_by: str = "") -> dict:
    """Write the archive; return the manifest (its own SHA-256 is printed for the receipt)."""
    files: list[dict[str, Any]] = []
    subtree = Jurisdiction.objects.filter(path__startswith=jurisdiction.path)
    cases = Case.objects.filter(jurisdiction__in=subtree).order_by("reference")
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as zf:

        def add(name: str, data: bytes) -> None:
            zf.writestr(name, data)
            files.append({"path": name, "sha256": _sha256(data), "size": len(data)})

        count = 0
        for case in cases.iterator(chunk_size=500):
            record = case_record(case)
            add(
                f"cases/{case.reference}.json",
                json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True).encode(),
            )
            for ev in case.evidence.exclude(file="").order_by("id"):
                with ev.file.open("rb") as fh:
                    data = fh.read()
                add(f"evidence/{case.reference}/{ev.pk}-{Path(ev.file.name).name}", data)
            count += 1
        seq, head = chain_head()
        manifest = {
            "format": FORMAT,
            "jurisdiction": {"code": jurisdiction.code, "name": jurisdiction.name},
            "generated_at": timezone.now().isoformat(),
            "generated_by": generated_by,
            "cases": count,
            "audit_chain": {"seq": seq, "head": head},
            "files": files,
        }
        raw = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
        zf.writestr(MANIFEST, raw)
    manifest["manifest_sha256"] = _sha256(raw)
    witness_head(
        Source.ARCHIVE,
        f"{jurisdiction.code} {output.name} manifest {manifest['manifest_sha256']}",
        seq=seq,
        head=head,
    )
    return manifest


@dataclass
class ArchiveCheck:
    ok: bool
    files: int = 0
    problems: list[str] = field(default_factory=list)
    manifest_sha256: str = ""
    chain_head: str = ""


def verify_archive(path: Path) -> ArchiveCheck:
    """Check every file against the manifest; name altered, missing and unlisted files."""
    check = ArchiveCheck(ok=True)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        return ArchiveCheck(ok=False, problems=[f"not a readable archive: {exc}"])
    with zf:
        names = set(zf.namelist())
        if MANIFEST not in names:
            return ArchiveCheck(ok=False, problems=["manifest.json is missing"])
        raw = zf.read(MANIFEST)
        check.manifest_sha256 = _sha256(raw)
        try:
            manifest = json.loads(raw)
        except ValueError:
            return ArchiveCheck(ok=False, problems=["manifest.json is not valid JSON"])
        if manifest.get("format") != FORMAT:
            check.problems.append(f"unknown archive format: {manifest.get('format')!r}")
        check.chain_head = manifest.get("audit_chain", {}).get("head", "")
        listed = set()
        for entry in manifest.get("files", []):
            name = entry.get("path", "")
            listed.add(name)
            if name not in names:
                check.problems.append(f"missing file: {name}")
                continue
            data = zf.read(name)
            if _sha256(data) != entry.get("sha256") or len(data) != entry.get("size"):
                check.problems.append(f"altered file: {name}")
            check.files += 1
        for name in sorted(names - listed - {MANIFEST}):
            check.problems.append(f"file not in manifest: {name}")
    check.ok = not check.problems
    return check
