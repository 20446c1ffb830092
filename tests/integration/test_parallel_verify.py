"""verify_audit over several worker processes: the same verdict, head and first broken link as
a single pass, wherever in the chain (and at whichever segment boundary) the damage is."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import make_case
from tracker.audit import chain as audit
from tracker.cases import services
from tracker.cases.workflow import Status
from tracker.models import AuditChainEntry, Case, Note


@pytest.fixture
def chain(committed_db, alice, county_a, dept_a, monkeypatch):
    """About forty links, verified in segments of a few links each."""
    monkeypatch.setattr(audit, "MIN_SEGMENT", 3)
    for i in range(3):
        case = make_case("item", county_a, alice, department=dept_a)
        services.case_transition(case=case, to=Status.UNDER_REVIEW, by=alice, reason=f"核查{i}")
        services.note_add(case=case, by=alice, text=f"备注{i}")
    return AuditChainEntry.objects.count()


def both() -> tuple[audit.VerifyResult, audit.VerifyResult]:
    serial = audit.verify_chain(workers=1)
    parallel = audit.verify_chain(workers=4)
    return serial, parallel


def assert_same(serial: audit.VerifyResult, parallel: audit.VerifyResult) -> None:
    assert parallel.ok == serial.ok
    assert parallel.message == serial.message
    assert parallel.problem == serial.problem
    assert parallel.rows == serial.rows
    assert parallel.head_hash == serial.head_hash


def test_parallel_passes_with_the_same_head(chain):
    serial, parallel = both()
    assert serial.ok, serial.message
    assert_same(serial, parallel)
    assert parallel.rows == chain
    assert parallel.head_hash == audit.chain_head()[1]


def test_parallel_names_an_edited_row_in_a_late_segment(chain):
    row = Note.history.order_by("-history_id").first()
    audit.drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tracker_historicalnote SET text = %s WHERE history_id = %s",
            ["改写", row.history_id],
        )
    serial, parallel = both()
    assert not serial.ok
    assert (
        f"history row edited at seq {AuditChainEntry.objects.get(model='tracker.historicalnote', row_id=row.history_id).seq}"
        in serial.message
    )
    assert_same(serial, parallel)


@pytest.mark.parametrize("position", ["first", "boundary", "last"])
def test_parallel_names_a_deleted_link_anywhere(chain, position):
    top = AuditChainEntry.objects.count()
    ranges = audit._segments(top, 4)
    seq = {"first": 1, "boundary": ranges[1][0], "last": top}[position]
    audit.drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM tracker_auditchainentry WHERE seq = %s", [seq])
    serial, parallel = both()
    assert not serial.ok
    assert_same(serial, parallel)


def test_parallel_names_a_swapped_pair_across_a_boundary(chain):
    top = AuditChainEntry.objects.count()
    boundary = audit._segments(top, 4)[1][0]
    first = AuditChainEntry.objects.get(seq=boundary - 1)
    second = AuditChainEntry.objects.get(seq=boundary)
    audit.drop_triggers()
    with connection.cursor() as cursor:
        sql = "UPDATE tracker_auditchainentry SET seq = %s WHERE id = %s"
        cursor.execute(sql, [10**12, first.pk])
        cursor.execute(sql, [first.seq, second.pk])
        cursor.execute(sql, [second.seq, first.pk])
    serial, parallel = both()
    assert not serial.ok
    assert f"reordered at seq {first.seq}: {second.model} row {second.row_id}" in serial.message
    assert_same(serial, parallel)


def test_parallel_finds_a_forged_row_outside_the_chain(chain):
    forged = Case.history.order_by("history_id").first()
    forged.history_id = None
    forged.title = "伪造"
    forged.save()
    serial, parallel = both()
    assert "inserted outside the application" in serial.message
    assert_same(serial, parallel)
