"""Records-transfer archive: export, verify, and detection of altered, missing and extra files."""

from __future__ import annotations

import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from tests.factories import make_case
from tracker.audit.archive import export_archive, verify_archive
from tracker.audit.chain import chain_head
from tracker.cases import services

PDF = b"%PDF-1.4\n% test evidence\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def archived(tmp_path, settings, alice, bob, county_a, county_b, city, case_a):
    settings.MEDIA_ROOT = tmp_path / "media"
    services.evidence_add(
        case=case_a,
        by=alice,
        title="审核意见",
        upload=SimpleUploadedFile("意见.pdf", PDF, content_type="application/pdf"),
        doc_no="上审改〔2026〕3号",
        max_bytes=1_000_000,
    )
    services.note_add(case=case_a, by=alice, text="已报送")
    other = make_case("fee", county_b, bob)
    out = tmp_path / "archive.zip"
    manifest = export_archive(jurisdiction=county_a, output=out, generated_by="test")
    return out, manifest, case_a, other


def test_archive_holds_scope_history_evidence_and_chain_head(archived):
    out, manifest, case, other = archived
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        record = json.loads(zf.read(f"cases/{case.reference}.json"))
    assert f"cases/{case.reference}.json" in names
    assert f"cases/{other.reference}.json" not in names  # another county is outside the archive
    assert any(n.startswith(f"evidence/{case.reference}/") for n in names)
    assert record["case"]["reference"] == case.reference
    assert len(record["milestones"]) == 7
    assert record["history"]["case"][0]["history_change_reason"]
    assert record["history"]["evidence"] and record["history"]["notes"]
    assert manifest["audit_chain"]["head"] == chain_head()[1]
    result = verify_archive(out)
    assert result.ok, result.problems
    assert result.files == len(manifest["files"])
    assert result.manifest_sha256 == manifest["manifest_sha256"]


def _rewrite(src, dst, *, change=None, drop=None, add=None):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            if item.filename == drop:
                continue
            data = zin.read(item.filename)
            if item.filename == change:
                data = data.replace(b"reference", b"referencX", 1) if data else b"x"
            zout.writestr(item, data)
        if add:
            zout.writestr(add, b"forged")


@pytest.mark.parametrize("tamper", ["change", "drop", "add"])
def test_verify_archive_names_the_altered_file(archived, tmp_path, tamper, capsys):
    out, manifest, case, _ = archived
    target = f"cases/{case.reference}.json"
    bad = tmp_path / "bad.zip"
    _rewrite(out, bad, **{tamper: target if tamper != "add" else "cases/forged.json"})
    result = verify_archive(bad)
    assert not result.ok
    expected = {
        "change": f"altered file: {target}",
        "drop": f"missing file: {target}",
        "add": "file not in manifest: cases/forged.json",
    }[tamper]
    assert expected in result.problems
    with pytest.raises(SystemExit) as exc:
        call_command("verify_archive", str(bad))
    assert exc.value.code == 1
    assert expected in capsys.readouterr().err


def test_commands_round_trip(archived, tmp_path, capsys, county_a):
    out = tmp_path / "cmd.zip"
    call_command("export_archive", jurisdiction=county_a.code, output=str(out))
    printed = capsys.readouterr().out
    assert "manifest sha256:" in printed
    call_command("verify_archive", str(out))
    assert "OK:" in capsys.readouterr().out


def test_verify_rejects_a_non_archive(tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    result = verify_archive(junk)
    assert not result.ok and "not a readable archive" in result.problems[0]
