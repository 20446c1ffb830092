"""Each rule has one home and every path passes through it (issue "one home for every rule").

The expectations are literals written here, never read from the code under test: a change of
the workflow graph, the link hash, the read-only rule or the decision-date rule fails a test.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.factories import make_case
from tests.test_import_support import ITEM_HEADER, item_row, preview, xlsx_bytes
from tests.test_workflow import walk_to
from tracker.audit.chain import link_hash
from tracker.cases import services, workflow
from tracker.cases.services import Decision, TransitionRefused, case_transition
from tracker.cases.workflow import Status
from tracker.models import Case, Evidence

pytestmark = pytest.mark.django_db

S, A = "staff", "admin"
R, UR, D, IP, C, CL, W = (
    "registered",
    "under_review",
    "decided",
    "in_progress",
    "completed",
    "closed",
    "withdrawn",
)

# The whole graph, written out: (from, to) -> the roles that may take the edge.
EXPECTED_EDGES: dict[tuple[str, str], set[str]] = {
    (R, UR): {S, A},
    (UR, D): {S, A},
    (D, IP): {S, A},
    (IP, C): {S, A},
    (C, CL): {A},
    (C, IP): {A},
    (CL, IP): {A},
    # 回头看：重新决定 (a new decision replaces the old one, which is kept as superseded)
    (D, D): {A},
    (IP, D): {A},
    (C, D): {A},
    (CL, D): {A},
    # withdrawals: staff request, an admin other than the requester approves and carries it out
    (R, W): {A},
    (UR, W): {A},
    (D, W): {A},
    (IP, W): {A},
}
STATUSES = [R, UR, D, IP, C, CL, W]


@pytest.mark.parametrize("source", STATUSES)
@pytest.mark.parametrize("target", STATUSES)
def test_workflow_graph_is_exactly_the_written_table(source, target):
    edge = workflow.edge_for(source, target)
    expected = EXPECTED_EDGES.get((source, target))
    if expected is None:
        assert edge is None, f"unexpected edge {source} -> {target}"
    else:
        assert edge is not None, f"missing edge {source} -> {target}"
        assert {str(r) for r in edge.roles} == expected


def test_status_values_are_the_written_ones():
    assert sorted(Status.values) == sorted(STATUSES)


def test_read_only_statuses_are_closed_and_withdrawn():
    assert [s for s in STATUSES if not workflow.is_editable(s)] == [CL, W]


# --- the link hash: a golden value (a link that stops covering the digest fails here) -------

GOLDEN_DIGEST = "8099cdf0be5e86077cdd99068c45ed460956554ef0926012df4f5892267de266"
GOLDEN_PREV = "0" * 64


def test_link_hash_is_pinned():
    assert (
        link_hash(7, "fees.historicalfeeitem", 42, GOLDEN_DIGEST, GOLDEN_PREV)
        == "c6e2853b55e1a3fa009ae3db0861d0e2402dd45296d8d9e25e9376ff34af70ea"
    )


@pytest.mark.parametrize("part", ["seq", "model", "row_id", "digest", "prev"])
def test_link_hash_covers_every_part(part):
    base = {"seq": 7, "model": "fees.historicalfeeitem", "row_id": 42}
    base.update(digest=GOLDEN_DIGEST, prev_hash=GOLDEN_PREV)
    changed = dict(base)
    key = "prev_hash" if part == "prev" else part
    changed[key] = {"seq": 8, "model": "x.y", "row_id": 43}.get(key, "f" * 64)
    assert link_hash(**base) != link_hash(**changed)


# --- read-only cases: the services refuse, whatever the caller ---------------------------


@pytest.fixture
def closed_case(case_a, carol):
    return walk_to(case_a, Status.CLOSED, carol)


@pytest.fixture
def withdrawn_case(case_a, carol):
    return walk_to(case_a, Status.WITHDRAWN, carol)


@pytest.mark.parametrize("fixture", ["closed_case", "withdrawn_case"])
def test_case_update_refuses_a_read_only_case(fixture, request, carol):
    case = request.getfixturevalue(fixture)
    history = case.history.count()
    with pytest.raises(ValidationError, match="不能修改"):
        services.case_update(
            case=case,
            by=carol,
            expected_version=case.version,
            case_fields={"title": "改名"},
            reason="试图修改已结束的事项",
        )
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.title != "改名" and fresh.history.count() == history


@pytest.mark.parametrize("fixture", ["closed_case", "withdrawn_case"])
def test_milestones_and_evidence_refused_on_a_read_only_case(fixture, request, carol):
    case = request.getfixturevalue(fixture)
    pending = case.milestones.filter(done=False).first() or case.milestones.first()
    with pytest.raises(ValidationError):
        services.milestone_complete(
            milestone=pending, by=carol, effective_date=timezone.localdate(), doc_no="文号1"
        )
    with pytest.raises(ValidationError, match="不能修改"):
        services.evidence_add(
            case=case,
            by=carol,
            title="补充材料",
            upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4 test"),
            max_bytes=10_000_000,
        )
    assert not Evidence.objects.filter(case=case, title="补充材料").exists()


def test_an_open_case_is_still_editable(case_a, alice):
    updated = services.case_update(
        case=case_a,
        by=alice,
        expected_version=case_a.version,
        case_fields={"title": "新标题"},
        reason="更正标题",
    )
    assert updated.title == "新标题"


# --- a decision date is never in the future, through any path ----------------------------


def tomorrow() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=1)


def test_future_decision_date_refused_by_transition(case_a, alice):
    case = case_transition(case=case_a, to=Status.UNDER_REVIEW, by=alice, reason="开始核查")
    with pytest.raises(TransitionRefused, match="决定日期不能晚于今天"):
        case_transition(
            case=case,
            to=Status.DECIDED,
            by=alice,
            reason="作出决定",
            decision=Decision(disposition="retain", doc_no="甲改〔2026〕9号", date=tomorrow()),
        )
    assert Case.objects.get(pk=case.pk).status == Status.UNDER_REVIEW


def test_future_decision_date_refused_by_case_update(case_a, alice):
    with pytest.raises(ValidationError, match="决定日期不能晚于今天"):
        services.case_update(
            case=case_a,
            by=alice,
            expected_version=case_a.version,
            case_fields={"decision_date": tomorrow()},
            reason="填写决定日期",
        )
    assert Case.objects.get(pk=case_a.pk).decision_date is None


def test_future_decision_date_refused_by_import(alice, county_a, dept_a):
    header = [*ITEM_HEADER, "决定文号", "决定日期"]
    rows = [
        header,
        [*item_row(1, "未来决定的事项", dept_a.name), "甲改〔2026〕1号", tomorrow().isoformat()],
    ]
    before = Case.objects.count()
    report = preview(xlsx_bytes(rows), alice, county_a)
    assert not report.ok
    assert any("决定日期不能晚于今天" in str(e) for e in report.errors)
    assert Case.objects.count() == before


def test_future_decision_date_refused_on_import_update(alice, county_a, dept_a):
    case = make_case("item", county_a, alice, department=dept_a)
    name = case.subject.name
    header = [*ITEM_HEADER, "决定文号", "决定日期"]
    rows = [header, [*item_row(1, name, dept_a.name), "甲改〔2026〕2号", tomorrow().isoformat()]]
    report = preview(xlsx_bytes(rows), alice, county_a, on_duplicate="update")
    assert not report.ok
    assert any("决定日期不能晚于今天" in str(e) for e in report.errors)
    assert Case.objects.get(pk=case.pk).decision_date is None
