"""Witnessed chain heads (issue 19, finding 6): tampering that keeps the chain consistent with
itself (the last links deleted and the head moved back; a row edited and every later link
recomputed) is caught because earlier verifications, reports, catalogue editions, archives and
reminder runs recorded the head they saw, with an HMAC under a key outside the database.
Runs on SQLite and PostgreSQL (the suite runs on both)."""

from __future__ import annotations

import datetime
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from tracker.audit import chain as audit
from tracker.audit import witness
from tracker.audit.archive import export_archive
from tracker.audit.models import ChainWitness
from tracker.cases import services
from tracker.catalogue import services as catalogue
from tracker.models import AuditChainEntry, Case
from tracker.reports import services as report_services
from tracker.web.checks import DEV_AUDIT_WITNESS_KEY

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_verify() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def witnessed(case_a, alice):
    """A chain with a few links and a verification that witnessed its head, then more links."""
    services.note_add(case=case_a, by=alice, text="备注一")
    code, out, _err = run_verify()
    assert code == 0, out
    first = ChainWitness.objects.get()
    services.note_add(case=case_a, by=alice, text="备注二")
    services.note_add(case=case_a, by=alice, text="备注三")
    code, out, _err = run_verify()
    assert code == 0, out
    last = ChainWitness.objects.order_by("id").last()
    assert first.source == last.source == ChainWitness.Source.VERIFICATION
    assert last.seq > first.seq
    return first, last


def set_head(seq: int, head: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE tracker_auditchainhead SET seq = %s, hash = %s", [seq, head])


def delete_links_after(seq: int) -> int:
    """Delete every link after ``seq`` and the history rows they link (triggers dropped)."""
    tables = {m._meta.label_lower: m for m in audit.history_models()}
    links = list(AuditChainEntry.objects.filter(seq__gt=seq).values_list("model", "row_id"))
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for label, row_id in links:
            model = tables[label]
            cursor.execute(
                f"DELETE FROM {qn(model._meta.db_table)} WHERE {qn(model._meta.pk.column)} = %s",
                [row_id],
            )
        cursor.execute("DELETE FROM tracker_auditchainentry WHERE seq > %s", [seq])
    return len(links)


def test_deleting_the_last_links_and_moving_the_head_back_is_caught(witnessed):
    first, last = witnessed
    keep = last.seq - 2
    assert keep >= first.seq
    audit.drop_triggers()
    assert delete_links_after(keep) == 2
    set_head(keep, AuditChainEntry.objects.get(seq=keep).hash)

    # The chain is consistent with itself: only the witness notices.
    result = audit.verify_chain()
    assert not result.ok and result.problem["kind"] == "witness"
    assert result.problem["witnesses"] == [last.pk]
    code, _out, err = run_verify()
    assert code == 1
    assert f"witness #{last.pk} (verification" in err
    assert f"seq {last.seq}): the chain no longer has a link at the witnessed seq" in err
    assert f"witness #{first.pk} " not in err  # the earlier head is still in the chain


def test_editing_a_row_and_recomputing_every_later_link_is_caught(witnessed, case_a):
    first, last = witnessed
    row = Case.history.filter(id=case_a.pk).order_by("history_id").first()
    label = "tracker.historicalcase"
    start = AuditChainEntry.objects.get(model=label, row_id=row.history_id).seq
    assert start < first.seq
    audit.drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tracker_historicalcase SET title = %s WHERE history_id = %s",
            ["改过的名称", row.history_id],
        )
    # Recompute the edited digest and every later link with the chain's own functions.
    spec = audit.row_spec(Case.history.model)
    digests = {
        (label, row.history_id): audit.digest_row(
            spec, audit._raw_rows(spec.model, spec, [row.history_id])[0]
        )
    }
    assert digests[(label, row.history_id)] != AuditChainEntry.objects.get(seq=start).digest
    prev = AuditChainEntry.objects.get(seq=start).prev_hash
    with connection.cursor() as cursor:
        for link in AuditChainEntry.objects.filter(seq__gte=start).order_by("seq"):
            digest = digests.get((link.model, link.row_id), link.digest)
            new_hash = audit.link_hash(link.seq, link.model, link.row_id, digest, prev)
            cursor.execute(
                "UPDATE tracker_auditchainentry SET digest = %s, prev_hash = %s, hash = %s "
                "WHERE seq = %s",
                [digest, prev, new_hash, link.seq],
            )
            prev = new_hash
    top = AuditChainEntry.objects.order_by("-seq").first().seq
    set_head(top, prev)

    result = audit.verify_chain()
    assert not result.ok and result.problem["kind"] == "witness", result.message
    assert sorted(result.problem["witnesses"]) == [first.pk, last.pk]
    code, _out, err = run_verify()
    assert code == 1
    for w in (first, last):
        assert (
            f"witness #{w.pk} (verification AuditVerification" in err
            and f"seq {w.seq}): the chain's link at seq {w.seq} no longer has the witnessed head"
            in err
        )


def test_a_forged_witness_is_caught(witnessed, settings):
    first, _last = witnessed
    seq, head = audit.chain_head()
    forged = ChainWitness.objects.create(
        seq=seq, head=head, source=ChainWitness.Source.REPORT, reference="伪造", hmac="0" * 64
    )
    other_key = ChainWitness.objects.create(
        seq=seq,
        head=head,
        source=ChainWitness.Source.ARCHIVE,
        reference="另一密钥",
        hmac=witness.witness_hmac(seq, head, b"not-the-configured-key"),
    )
    code, _out, err = run_verify()
    assert code == 1
    assert "2 of 4 witnessed chain heads no longer hold" in err
    for w in (forged, other_key):
        assert f"witness #{w.pk} ({w.source} {w.reference}, seq {seq}): HMAC does not match" in err
    assert f"witness #{first.pk} " not in err

    # The key lives outside the database: under another key no witness holds.
    settings.AUDIT_WITNESS_KEY = "a-different-key-than-the-one-that-signed-these-witnesses"
    result = audit.verify_chain()
    assert not result.ok and len(result.problem["witnesses"]) == 4


def test_an_untouched_chain_with_witnesses_from_every_source_passes(
    case_a, alice, carol, vera, county_a, city, tmp_path, settings
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    services.note_add(case=case_a, by=alice, text="备注")
    # an issued report
    report = report_services.report_draft(jurisdiction=city, month="2026-11", by=carol)
    report_services.report_update_narrative(
        report=report,
        by=carol,
        narrative_progress="按计划推进。",
        narrative_problems="无。",
        narrative_next="继续。",
        preparer="张填报",
        reviewer="李审核",
    )
    vera.can_sign_reports = True
    vera.save()
    report_services.report_sign(report=report, by=vera)
    issued = report_services.report_issue(report=report, by=carol)
    # a catalogue edition, an archive, a daily reminders run, a verification
    edition = catalogue.catalogue_publish(
        kind_key="item", jurisdiction=county_a, by=carol, effective_date=datetime.date.today()
    )
    manifest = export_archive(jurisdiction=county_a, output=tmp_path / "a.zip", generated_by="t")
    call_command("send_reminders", "--in-app-only", stdout=io.StringIO())
    services.note_add(case=case_a, by=alice, text="备注二")
    code, out, err = run_verify()
    assert code == 0, err

    by_source = {w.source: w for w in ChainWitness.objects.all()}
    assert set(by_source) == set(ChainWitness.Source.values)
    assert by_source["report"].seq == issued.params["chain_seq"]
    assert by_source["report"].head == issued.chain_head
    assert str(issued.pk) in by_source["report"].reference
    assert str(edition.pk) in by_source["catalogue"].reference
    assert by_source["archive"].head == manifest["audit_chain"]["head"]
    assert manifest["manifest_sha256"] in by_source["archive"].reference
    assert by_source["verification"].seq == audit.chain_head()[0]
    for w in by_source.values():
        assert w.hmac == witness.witness_hmac(w.seq, w.head)
    # the last verification's own witness is checked by the next one
    assert "witnessed heads: all 4 still in the chain" in out
    code, out, _err = run_verify()
    assert code == 0 and "witnessed heads: all 5 still in the chain" in out


def test_the_witness_table_refuses_update_and_delete(witnessed):
    first, _last = witnessed
    first.reference = "改"
    attempts = [
        lambda: first.save(),
        lambda: ChainWitness.objects.filter(pk=first.pk).update(head="0" * 64),
        lambda: ChainWitness.objects.filter(pk=first.pk).delete(),
        lambda: connection.cursor().execute(
            "UPDATE tracker_chainwitness SET seq = 0 WHERE id = %s", [first.pk]
        ),
        lambda: connection.cursor().execute(
            "DELETE FROM tracker_chainwitness WHERE id = %s", [first.pk]
        ),
    ]
    if connection.vendor == "postgresql":
        attempts.append(lambda: connection.cursor().execute("TRUNCATE tracker_chainwitness"))
    for attempt in attempts:
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic():
                attempt()
    stored = ChainWitness.objects.get(pk=first.pk)
    assert stored.reference != "改" and stored.head == first.head
    assert "tracker_chainwitness" in audit.protected_tables()


def test_the_serving_role_cannot_disable_triggers_or_delete(witnessed):
    """The production set-up of docs/security.md: the role the app serves with owns nothing and
    has only SELECT/INSERT on the protected tables. On PostgreSQL the test creates that role
    with ``serving_role_grants`` and acts as it; SQLite has no roles, and its triggers refuse."""
    first, _last = witnessed
    if connection.vendor != "postgresql":
        for sql in ("DELETE FROM tracker_chainwitness", "DELETE FROM tracker_auditchainentry"):
            with pytest.raises(DatabaseError, match="append-only"):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(sql)
        return
    role = f"tracker_serving_test_{os.getpid()}"
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {qn(role)} NOLOGIN")  # rolled back with the test
        for statement in witness.serving_role_grants(role):
            cursor.execute(statement)
    refused = {
        "ALTER TABLE tracker_chainwitness DISABLE TRIGGER ALL": "must be owner",
        "ALTER TABLE tracker_auditchainentry DISABLE TRIGGER ALL": "must be owner",
        "DELETE FROM tracker_chainwitness": "permission denied",
        "DELETE FROM tracker_auditchainentry": "permission denied",
        "UPDATE tracker_accesslog SET target = 'x'": "permission denied",
        "TRUNCATE tracker_historicalcase": "permission denied",
        "DROP TRIGGER tracker_chainwitness_append_only ON tracker_chainwitness": "must be owner",
    }
    for sql, message in refused.items():
        with pytest.raises(DatabaseError, match=message):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL ROLE {qn(role)}")
                cursor.execute(sql)
    # What the application needs still works as that role: reading, witnessing, appending.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {qn(role)}")
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (role,)
        added = witness.witness_head(ChainWitness.Source.VERIFICATION, "as the serving role")
        assert audit.verify_chain().ok
    assert ChainWitness.objects.filter(pk=added.pk).exists()
    assert ChainWitness.objects.filter(pk=first.pk).exists()


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "未设置审计链见证密钥"),  # not set: no default without DEBUG
        (DEV_AUDIT_WITNESS_KEY, "内置的开发用密钥"),
        ("short-witness-key", "过短或过于简单"),
        ("ab" * 30, "过短或过于简单"),
        ("production-audit-witness-key-0123456789abcdefghij", None),
    ],
)
def test_check_deploy_refuses_a_missing_short_or_built_in_witness_key(key, message):
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 20 + "-production-secret-key-for-the-check-0123456789",
        "DJANGO_ALLOWED_HOSTS": "tracker.example.gov.cn",
    }
    env.pop("TRACKER_AUDIT_WITNESS_KEY", None)
    if key is not None:
        env["TRACKER_AUDIT_WITNESS_KEY"] = key
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if message is None:
        assert result.returncode == 0 and "tracker.E011" not in result.stderr, result.stderr
    else:
        assert result.returncode != 0
        assert "tracker.E011" in result.stderr and message in result.stderr, result.stderr
