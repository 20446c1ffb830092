"""Tamper evidence: append-only triggers, ``verify_audit`` naming the first broken link, and
every write path (services, m2m, bulk, import) entering the chain with no gaps."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from intermediaries.models import ApprovalItem
from tests.factories import make_case
from tracker.audit import chain as audit
from tracker.audit import services as inspection_services
from tracker.cases import services
from tracker.cases.workflow import Status
from tracker.models import (
    AccessLog,
    AuditChainEntry,
    AuditVerification,
    Case,
    Department,
    Milestone,
    Note,
)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def busy_case(case_a, alice, carol, ivan):
    """A case with case, subject, milestone, note, inspection and access-log rows."""
    case = services.case_transition(case=case_a, to=Status.UNDER_REVIEW, by=alice, reason="核查")
    milestone = case.milestones.order_by("order").first()
    services.milestone_complete(
        milestone=milestone,
        by=alice,
        effective_date=datetime.date.today(),
        doc_no="甲政〔2024〕1号",
    )
    services.note_add(case=case, by=alice, text="备注一")
    services.note_add(case=case, by=carol, text="备注二")
    inspection_services.inspection_note_add(case=case, by=ivan, text="请补充材料")
    inspection_services.access_log_record(
        user=ivan, action=AccessLog.Action.VIEW, target="case", reference=case.reference
    )
    return case


def history_row_count() -> int:
    return sum(m._default_manager.count() for m in audit.history_models())


def run_verify() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def seq_of(label: str, row_id: int) -> int:
    return AuditChainEntry.objects.get(model=label, row_id=row_id).seq


# --- the triggers ---------------------------------------------------------------------------


PROTECTED = [
    ("tracker_historicalcase", "history_id", "history_change_reason = 'x'"),
    ("tracker_historicalmilestone", "history_id", "doc_no = 'x'"),
    ("tracker_historicalnote", "history_id", "text = 'x'"),
    ("intermediaries_historicalintermediaryitem", "history_id", "name = 'x'"),
    ("tracker_historicalinspectionnote", "history_id", "text = 'x'"),
    ("tracker_auditchainentry", "id", "hash = 'x'"),
    ("tracker_accesslog", "id", "target = 'x'"),
]


@pytest.mark.parametrize(("table", "pk", "assignment"), PROTECTED)
def test_triggers_refuse_update_and_delete(busy_case, table, pk, assignment):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX({pk}) FROM {table}")
        (row_id,) = cursor.fetchone()
    assert row_id is not None
    for sql in (
        f"UPDATE {table} SET {assignment} WHERE {pk} = %s",
        f"DELETE FROM {table} WHERE {pk} = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [row_id])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {pk} = %s", [row_id])
        assert cursor.fetchone() == (1,)


def test_every_history_table_is_protected():
    tables = set(audit.protected_tables())
    assert {m._meta.db_table for m in audit.history_models()} <= tables
    assert {"tracker_auditchainentry", "tracker_accesslog"} <= tables
    # m2m history is a history table too
    assert "intermediaries_historicalintermediaryitem_approval_items" in tables


# --- verify_audit ---------------------------------------------------------------------------


def test_verify_audit_passes_and_prints_the_head(busy_case):
    code, out, _err = run_verify()
    seq, head = audit.chain_head()
    assert code == 0
    assert f"{seq} history rows verified" in out
    assert head in out
    last = AuditVerification.objects.get()
    assert last.ok and last.rows == seq and last.head_hash == head


def test_verify_detects_an_edited_row(busy_case):
    row = Case.history.filter(id=busy_case.pk).order_by("history_id").first()
    audit.drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tracker_historicalcase SET title = %s WHERE history_id = %s",
            ["改过的名称", row.history_id],
        )
    code, _out, err = run_verify()
    assert code == 1
    seq = seq_of("tracker.historicalcase", row.history_id)
    assert f"history row edited at seq {seq}: tracker.historicalcase row {row.history_id}" in err
    assert AuditVerification.objects.get().ok is False


def test_verify_detects_a_deleted_row(busy_case):
    row = Note.history.order_by("history_id").first()
    audit.drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM tracker_historicalnote WHERE history_id = %s", [row.history_id])
    code, _out, err = run_verify()
    assert code == 1
    seq = seq_of("tracker.historicalnote", row.history_id)
    assert f"deleted) at seq {seq}: tracker.historicalnote row {row.history_id}" in err


def test_verify_detects_a_forged_inserted_row(busy_case):
    forged = Note.history.order_by("history_id").first()
    forged.history_id = None
    forged.text = "伪造的备注"
    forged.history_change_reason = "伪造"
    forged.save()  # straight into the history table: no chain link
    code, _out, err = run_verify()
    assert code == 1
    assert (
        f"not in the chain (inserted outside the application): tracker.historicalnote row {forged.history_id}"
        in err
    )


def test_verify_detects_a_forged_row_with_a_forged_link(busy_case):
    """Appending a plausible link without the head being updated is caught too."""
    forged = Note.history.order_by("history_id").first()
    forged.history_id = None
    forged.text = "伪造"
    forged.save()
    last = AuditChainEntry.objects.order_by("-seq").first()
    digest = audit.digest_instance(forged)
    label = "tracker.historicalnote"
    AuditChainEntry.objects.create(
        seq=last.seq + 1,
        model=label,
        row_id=forged.history_id,
        digest=digest,
        prev_hash=last.hash,
        hash=audit.link_hash(last.seq + 1, label, forged.history_id, digest, last.hash),
    )
    code, _out, err = run_verify()
    assert code == 1
    assert "chain head mismatch" in err


def test_verify_detects_a_swapped_order(busy_case):
    first, second = AuditChainEntry.objects.order_by("seq")[3:5]
    audit.drop_triggers()
    with connection.cursor() as cursor:
        sql = "UPDATE tracker_auditchainentry SET seq = %s WHERE id = %s"
        cursor.execute(sql, [10**12, first.pk])
        cursor.execute(sql, [first.seq, second.pk])
        cursor.execute(sql, [second.seq, first.pk])
    code, _out, err = run_verify()
    assert code == 1
    assert (
        f"chain link altered or reordered at seq {first.seq}: {second.model} row {second.row_id}"
        in err
    )


def test_verify_detects_a_swapped_row_content(busy_case):
    """Swapping what two links point at (same seq numbers) breaks the first of them."""
    first, second = AuditChainEntry.objects.order_by("seq")[5:7]
    audit.drop_triggers()
    with connection.cursor() as cursor:
        sql = (
            "UPDATE tracker_auditchainentry SET model = %s, row_id = %s, digest = %s WHERE id = %s"
        )
        cursor.execute(sql, [second.model, second.row_id, second.digest, first.pk])
        cursor.execute(sql, [first.model, first.row_id, first.digest, second.pk])
    code, _out, err = run_verify()
    assert code == 1
    assert f"at seq {first.seq}: {second.model} row {second.row_id}" in err


# --- no gaps: every write path enters the chain ---------------------------------------------


def assert_no_gaps() -> None:
    assert history_row_count() == AuditChainEntry.objects.count()
    result = audit.verify_chain()
    assert result.ok, result.message


def test_services_m2m_and_inspection_enter_the_chain(busy_case, alice, county_a):
    approval = ApprovalItem.objects.create(jurisdiction=county_a, name="建设工程规划许可")
    services.case_update(
        case=busy_case,
        by=alice,
        expected_version=busy_case.version,
        case_fields={},
        subject_fields={"name": "新名称"},
        m2m={"approval_items": [approval]},
        reason="关联审批事项",
    )
    assert busy_case.intermediary_item.history.model.approval_items.model.objects.exists()
    assert_no_gaps()


def test_bulk_create_with_history_enters_the_chain(busy_case, alice, county_a):
    audit.bulk_create_with_history(
        Department,
        [Department(jurisdiction=county_a, name=f"批量部门{i}") for i in range(30)],
        by=alice,
        reason="批量导入部门",
    )
    other = make_case("fee", county_a, alice)
    audit.bulk_create_with_history(
        Milestone,
        [
            Milestone(case=other, code=f"extra{i}", name=f"附加节点{i}", order=50 + i)
            for i in range(5)
        ],
        by=alice,
        reason="批量节点",
    )
    assert Department.history.filter(history_change_reason="批量导入部门").count() == 30
    assert_no_gaps()


def test_spreadsheet_import_enters_the_chain(alice, county_a):
    from tracker.imports import services as import_services

    csv = "收费项目名称,收费类别,设立级次\n测试证书工本费,行政事业性收费,省\n测试登记费,行政事业性收费,省\n"
    report = import_services.import_file(
        csv.encode("utf-8"),
        kind="fee",
        jurisdiction=county_a,
        user=alice,
        file_name="fees.csv",
    )
    assert report.committed, report.errors[:3]
    assert Case.objects.filter(kind="fee").count() == 2
    assert_no_gaps()


def test_no_way_to_delete_history(busy_case):
    """The ORM, simple-history's clean-up commands and raw SQL all hit the triggers."""
    before = history_row_count()
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            Case.history.all().delete()
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            call_command("clean_old_history", "--auto", "--days", "0", stdout=io.StringIO())
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            Note.history.update(history_change_reason="改写")
    assert history_row_count() == before
    assert audit.verify_chain().ok
