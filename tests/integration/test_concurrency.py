"""Concurrent writers: exactly one of two racing transitions wins, stale edits are refused,
several processes writing to SQLite never see "database is locked", and the chain never forks."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from tests.factories import make_case
from tracker.audit.chain import verify_chain
from tracker.cases import services
from tracker.cases.workflow import Status
from tracker.models import Case, Evidence, Note

ROOT = Path(__file__).resolve().parents[2]


def _race(n: int, target) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = target(i)
        except Exception as exc:  # the outcome is what the test inspects
            results[i] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_racing_transitions_exactly_one_wins(committed_db, alice, county_a, dept_a):
    case = make_case("item", county_a, alice, department=dept_a)

    def transition(i: int):
        fresh = Case.objects.get(pk=case.pk)
        return services.case_transition(
            case=fresh, to=Status.UNDER_REVIEW, by=alice, reason=f"线程{i}"
        )

    results = _race(4, transition)
    wins = [r for r in results if isinstance(r, Case)]
    refusals = [r for r in results if isinstance(r, services.TransitionRefused)]
    assert len(wins) == 1, results
    assert len(refusals) == 3, results
    case.refresh_from_db()
    assert case.status == Status.UNDER_REVIEW and case.version == 2
    assert case.history.filter(status=Status.UNDER_REVIEW).count() == 1
    assert verify_chain().ok


def test_racing_edits_second_is_refused_nothing_lost(committed_db, alice, carol, county_a, dept_a):
    case = make_case("item", county_a, alice, department=dept_a)
    loaded_version = case.version

    def edit(i: int):
        fresh = Case.objects.get(pk=case.pk)
        who = alice if i == 0 else carol
        return services.case_update(
            case=fresh,
            by=who,
            expected_version=loaded_version,
            case_fields={},
            subject_fields={"time_limit": f"{10 + i}个工作日"},
            reason=f"编辑{i}",
        )

    results = _race(2, edit)
    assert sum(isinstance(r, Case) for r in results) == 1, results
    stale = [r for r in results if isinstance(r, services.StaleEdit)]
    assert len(stale) == 1 and "已被他人修改" in str(stale[0])
    case.refresh_from_db()
    assert case.version == loaded_version + 1
    assert verify_chain().ok


def test_racing_supersedes_of_one_file_exactly_one_wins(committed_db, alice, county_a, dept_a):
    """Four people replace the same document at once: one replacement is recorded, the others
    are told it was already replaced, and only one history row says so (no lost update)."""
    case = make_case("item", county_a, alice, department=dept_a)
    documents = [
        services.evidence_add(
            case=case,
            by=alice,
            title=f"批复{i}",
            upload=None,
            doc_no=f"测发〔2026〕{i}号",
            max_bytes=1024,
        )  # fmt: skip
        for i in range(5)
    ]
    old, replacements = documents[0], documents[1:]

    def supersede(i: int):
        stale = Evidence.objects.get(pk=old.pk)  # each loaded before anyone wrote
        return services.evidence_supersede(
            old=stale, new=replacements[i], by=alice, reason=f"更正{i}"
        )

    results = _race(4, supersede)
    assert sum(isinstance(r, Evidence) for r in results) == 1, results
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(refused) == 3 and all("已被替换" in str(r) for r in refused), results
    assert old.history.exclude(superseded_by=None).count() == 1
    assert verify_chain().ok


WRITER = """
import os, sys, django
sys.path.insert(0, {root!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "tracker.config.settings"
django.setup()
from tracker.cases import services
from tracker.models import Case, User
case = Case.objects.get(pk={case_pk})
user = User.objects.get(pk={user_pk})
for i in range({count}):
    services.note_add(case=case, by=user, text=f"进程{{os.getpid()}}第{{i}}条")
print("ok")
"""


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite locking behaviour")
def test_sqlite_several_processes_write_without_locked_errors(committed_db, alice, case_a):
    db_name = connection.settings_dict["NAME"]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_name}", "PYTHONPATH": str(ROOT)}
    script = WRITER.format(root=str(ROOT), case_pk=case_a.pk, user_pk=alice.pk, count=15)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "database is locked" not in err
        assert out.strip().endswith("ok")
    assert Note.objects.filter(case=case_a).count() == 60
    result = verify_chain()
    assert result.ok, result.message
