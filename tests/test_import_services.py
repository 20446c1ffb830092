"""Import preview and commit: nothing written by a preview, all-or-nothing commits,
duplicates, history reasons and the audit chain, the four kinds, permissions, the command."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from fees.models import FeeItem
from intermediaries.models import ApprovalItem, DecouplingCase, IntermediaryFirm, OfficialPost
from tests.factories import (
    DepartmentFactory,
    IntermediaryFirmFactory,
    make_case,
    valid_credit_code,
    withdraw,
)
from tests.test_import_support import ITEM_HEADER, item_row, preview, run_import, xlsx_bytes
from tracker.audit.chain import verify_chain
from tracker.cases.services import Decision, case_transition
from tracker.cases.workflow import Status
from tracker.imports import services as import_services
from tracker.models import AuditChainEntry, Case, ImportBatch, Milestone

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def snapshot() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        Case.history.count(),
        Milestone.objects.count(),
        ApprovalItem.objects.count(),
        IntermediaryFirm.objects.count(),
        AuditChainEntry.objects.count(),
    )


def three_items(dept, last=None) -> bytes:
    rows = [ITEM_HEADER] + [item_row(i, f"事项{i}", dept.name) for i in (1, 2)]
    rows.append(last or item_row(3, "事项3", dept.name))
    return xlsx_bytes(rows)


def test_preview_writes_nothing_but_the_batch(alice, county_a, dept_a):
    before = snapshot()
    report = preview(three_items(dept_a), alice, county_a, name="甲区清单.xlsx")
    assert report.ok
    assert [r.outcome for r in report.rows] == ["create"] * 3
    assert snapshot() == before
    batch = ImportBatch.objects.get()
    assert batch.state == ImportBatch.State.PREVIEW
    assert batch.user == alice and batch.file_name == "甲区清单.xlsx"
    assert batch.sha256 == report.sha256 and len(batch.sha256) == 64
    assert batch.counts["create"] == 3 and batch.counts["total"] == 3
    with batch.file.open("rb") as fh:
        assert import_services.sha256_of(fh.read()) == batch.sha256


def test_preview_lists_every_error(alice, county_a, dept_a):
    rows = [
        ["中介服务事项名称", "审批部门", "决定日期", "处理决定"],
        ["甲", "无此局", "2026-13-01", "保留"],
        ["乙", dept_a.name, "2026-01-01", "不存在的决定"],
        ["", dept_a.name, "", ""],
        ["丁", dept_a.name, "2026-02-30", ""],
    ]
    before = snapshot()
    report = preview(xlsx_bytes(rows), alice, county_a)
    assert [(e["row"], e["column"]) for e in report.errors] == [
        (2, "审批部门"),
        (2, "决定日期"),
        (3, "处理决定"),
        (4, "中介服务事项名称"),
        (5, "决定日期"),
    ]
    assert [r.outcome for r in report.rows] == ["error"] * 4
    assert snapshot() == before
    batch = ImportBatch.objects.get()
    assert batch.state == ImportBatch.State.REJECTED
    assert len(batch.errors) == 5


def test_commit_is_all_or_nothing(alice, county_a, dept_a):
    data = three_items(dept_a, last=item_row(3, "事项3", "不存在的部门"))
    before = snapshot()
    report = run_import(data, alice, county_a)
    assert not report.committed
    assert [(e["row"], e["column"]) for e in report.errors] == [(4, "审批部门")]
    assert snapshot() == before
    assert ImportBatch.objects.get().state == ImportBatch.State.REJECTED


def test_commit_failure_during_write_rolls_back(alice, county_a, dept_a, monkeypatch):
    """A failure after some rows were written leaves the database as it was."""
    from tracker.imports import bulk as import_bulk

    real = import_bulk.bulk_insert_rows_with_history

    def broken(model, rows, **kwargs):
        real(model, rows, **kwargs)
        raise import_services.ValidationError("simulated failure")

    monkeypatch.setattr(import_services, "bulk_insert_rows_with_history", broken)
    before = snapshot()
    report = run_import(three_items(dept_a), alice, county_a)
    assert not report.committed and "simulated failure" in report.errors[0]["message"]
    assert snapshot() == before


def test_commit_writes_cases_with_history_reason_and_chain(alice, county_a, dept_a):
    data = three_items(dept_a)
    report = run_import(data, alice, county_a, name="甲区清单.xlsx")
    assert report.committed, report.errors
    reason = f"import 甲区清单.xlsx {import_services.sha256_of(data)[:12]}"
    assert report.reason() == reason
    cases = list(Case.objects.order_by("reference"))
    assert [c.reference for c in cases] == [
        f"330102-ITEM-{datetime.date.today().year}-{n:04d}" for n in (1, 2, 3)
    ]
    case = cases[0]
    assert case.title == "事项1" and case.department == dept_a and case.disposition == "retain"
    assert case.status == Status.REGISTERED
    assert case.intermediary_item.legal_basis == "国办发〔2015〕31号"
    assert [a.name for a in case.intermediary_item.approval_items.all()] == ["建设项目审批"]
    assert case.milestones.count() == 7
    for history in (
        case.history.get(),
        case.intermediary_item.history.get(),
        *Milestone.history.filter(case_id=case.pk),
    ):
        assert history.history_change_reason == reason
        assert history.history_user == alice
        assert history.history_type == "+"
    m2m = case.intermediary_item.history.get().approval_items.all()
    assert [row.approvalitem.name for row in m2m] == ["建设项目审批"]
    assert ApprovalItem.objects.get().history.get().history_change_reason == reason
    assert verify_chain().ok
    batch = ImportBatch.objects.get()
    assert batch.state == ImportBatch.State.COMMITTED and batch.committed_at
    assert batch.counts["create"] == 3


def test_committed_batch_cannot_be_committed_twice(alice, county_a, dept_a):
    report = run_import(three_items(dept_a), alice, county_a)
    with pytest.raises(import_services.ImportRefused):
        import_services.import_commit(batch=report.batch, by=alice)


def test_preview_then_commit(alice, county_a, dept_a):
    report = preview(three_items(dept_a), alice, county_a)
    committed = import_services.import_commit(batch=report.batch, by=alice)
    assert committed.committed and Case.objects.count() == 3


def test_duplicates_inside_the_file(alice, county_a, dept_a):
    rows = [
        ITEM_HEADER,
        item_row(1, "事项一", dept_a.name, basis="旧依据"),
        item_row(2, "事项一", dept_a.name, basis="新依据"),
        item_row(3, "事项二", dept_a.name),
    ]
    data = xlsx_bytes(rows)
    skip = preview(data, alice, county_a, on_duplicate="skip")
    assert [r.outcome for r in skip.rows] == ["create", "skip", "create"]
    assert "与第 2 行重复" in skip.rows[1].note
    assert skip.counts()["duplicates"] == 1
    update = run_import(data, alice, county_a, on_duplicate="update")
    assert [r.outcome for r in update.rows] == ["skip", "create", "create"]
    assert Case.objects.count() == 2
    assert Case.objects.get(title="事项一").intermediary_item.legal_basis == "新依据"


def test_duplicates_against_the_database(alice, county_a, dept_a):
    existing = make_case("item", county_a, alice, department=dept_a, name="事项1", legal_basis="旧")
    existing = Case.objects.get(pk=existing.pk)
    rows = [
        ITEM_HEADER,
        item_row(1, "事项1", dept_a.name, basis="新依据"),
        item_row(2, "事项2", dept_a.name),
    ]
    data = xlsx_bytes(rows)
    skipped = run_import(data, alice, county_a, on_duplicate="skip", name="a.xlsx")
    assert [r.outcome for r in skipped.rows] == ["skip", "create"]
    assert existing.reference in skipped.rows[0].note
    existing.refresh_from_db()
    assert existing.intermediary_item.legal_basis == "旧"

    updated = run_import(data, alice, county_a, on_duplicate="update", name="b.xlsx")
    assert [r.outcome for r in updated.rows] == ["update", "unchanged"]
    existing.refresh_from_db()
    assert existing.intermediary_item.legal_basis == "新依据"
    assert existing.disposition == "retain"
    assert existing.version == 2
    latest = existing.history.order_by("-history_id").first()
    assert latest.history_change_reason.startswith("import b.xlsx ")
    assert [a.name for a in existing.intermediary_item.approval_items.all()] == ["建设项目审批"]
    assert verify_chain().ok


def test_closed_or_decided_duplicates(alice, carol, county_a, dept_a):
    case = make_case("item", county_a, alice, department=dept_a, name="事项1")
    case_transition(case=case, to=Status.UNDER_REVIEW, by=alice, reason="开始")
    withdraw(case, alice, reason="撤回")
    rows = [ITEM_HEADER, item_row(1, "事项1", dept_a.name)]
    report = preview(xlsx_bytes(rows), alice, county_a, on_duplicate="update")
    assert [r.outcome for r in report.rows] == ["create"]  # a withdrawn case is not matched


def test_firm_import_creates_register_and_decoupling(alice, county_a, dept_a):
    code = valid_credit_code(7)
    rows = [
        ["序号", "机构名称", "统一社会信用代码", "机构类型", "主管部门", "挂靠关系", "处理决定"],
        [1, "甲区建设工程咨询中心", code, "事业单位", dept_a.name, "主管", "转企改制"],
        [2, "甲区建设咨询中心（同码）", code, "事业单位", dept_a.name, "主管", ""],
        [3, "甲区测绘院", "", "事业单位", dept_a.name, "挂靠", ""],
    ]
    report = run_import(xlsx_bytes(rows), alice, county_a, kind="firm")
    assert report.committed, report.errors
    assert [r.outcome for r in report.rows] == ["create", "skip", "create"]
    assert report.rows[1].duplicate == "file"
    firm = IntermediaryFirm.objects.get(credit_code=code)
    assert firm.legal_form == "institution" and firm.jurisdiction == county_a
    assert firm.history.get().history_change_reason == report.reason()
    decoupling = DecouplingCase.objects.get(firm=firm)
    assert decoupling.agency == dept_a and decoupling.affiliation_type == "supervised"
    assert decoupling.case.title == "甲区建设工程咨询中心 脱钩改制"
    assert decoupling.case.disposition == "to_enterprise"
    assert decoupling.case.department == dept_a
    assert verify_chain().ok


def test_firm_credit_code_duplicate_against_database(alice, county_a, dept_a):
    firm = IntermediaryFirmFactory(jurisdiction=county_a, name="老名字咨询公司")
    make_case("firm", county_a, alice, firm=firm, agency=dept_a)
    rows = [
        ["机构名称", "统一社会信用代码", "主管/挂靠机关", "挂靠关系"],
        ["新名字咨询公司", firm.credit_code, dept_a.name, "挂靠"],
    ]
    report = run_import(xlsx_bytes(rows), alice, county_a, kind="firm", on_duplicate="update")
    assert report.committed, report.errors
    assert [r.outcome for r in report.rows] == ["update"]
    firm.refresh_from_db()
    assert firm.name == "新名字咨询公司" and firm.version == 2
    assert firm.history.order_by("-history_id").first().history_change_reason == report.reason()


def test_firm_existing_in_register_is_linked(alice, county_a, dept_a):
    firm = IntermediaryFirmFactory(jurisdiction=county_a, name="在册咨询公司")
    rows = [["机构名称", "主管/挂靠机关", "挂靠关系"], ["在册咨询公司", dept_a.name, "出资"]]
    report = run_import(xlsx_bytes(rows), alice, county_a, kind="firm")
    assert report.committed, report.errors
    assert DecouplingCase.objects.get().firm == firm
    assert IntermediaryFirm.objects.count() == 1


def test_new_firm_needs_legal_form(alice, county_a, dept_a):
    rows = [["机构名称", "主管/挂靠机关", "挂靠关系"], ["新公司", dept_a.name, "挂靠"]]
    report = preview(xlsx_bytes(rows), alice, county_a, kind="firm")
    assert report.errors[0]["column"] == "机构类型"


def test_firm_code_registered_in_another_jurisdiction(alice, county_a, county_b, dept_a):
    firm = IntermediaryFirmFactory(jurisdiction=county_b)
    rows = [
        ["机构名称", "统一社会信用代码", "机构类型", "主管/挂靠机关", "挂靠关系"],
        ["某公司", firm.credit_code, "企业", dept_a.name, "挂靠"],
    ]
    report = preview(xlsx_bytes(rows), alice, county_a, kind="firm")
    assert "乙区" in report.errors[0]["message"]


def test_post_import_and_no_id_numbers(alice, county_a, dept_a):
    header = [
        "人员内部编号",
        "姓名",
        "工作单位",
        "职务",
        "职级",
        "人员状态",
        "任职机构名称",
        "任职类型",
        "是否取酬",
        "报酬金额（元）",
        "责任部门",
    ]
    rows = [
        header,
        [
            "P-1",
            "张某",
            "甲区自然资源局",
            "副局长",
            "副科级",
            "在职",
            "某测绘公司",
            "董事",
            "是",
            "12,000.50",
            dept_a.name,
        ],
        [
            "330102199001011234",
            "李某",
            "甲区住建局",
            "科长",
            "乡科级",
            "在职",
            "某公司",
            "监事",
            "否",
            "",
            "",
        ],
    ]
    report = preview(xlsx_bytes(rows), alice, county_a, kind="post")
    assert [(e["row"], e["column"]) for e in report.errors] == [(3, "人员内部编号")]
    report = run_import(xlsx_bytes(rows[:2]), alice, county_a, kind="post")
    assert report.committed, report.errors
    post = OfficialPost.objects.get()
    assert post.rank_band == "section" and post.paid is True
    assert str(post.pay_amount) == "12000.50"
    assert post.case.title == "甲区自然资源局副局长 在某测绘公司任董事"


def test_fee_import_with_default_level(alice, county_a, dept_a):
    rows = [
        [
            "收费项目",
            "收费类别",
            "主管部门",
            "收费依据",
            "收费标准",
            "涉企收费",
            "处理决定",
            "决定日期",
        ],
        [
            "不动产登记费",
            "行政事业性收费",
            dept_a.name,
            "财税〔2016〕79号、发改价格规〔2019〕2号",
            "80元/件",
            "是",
            "保留",
            "2026年11月30日",
        ],
    ]
    report = run_import(xlsx_bytes(rows), alice, county_a, kind="fee")
    assert report.committed, report.errors
    fee = FeeItem.objects.get()
    assert fee.set_level == "county"  # from the jurisdiction (a district)
    assert fee.legal_basis_list() == ["财税〔2016〕79号", "发改价格规〔2019〕2号"]
    assert fee.affects_enterprises is True
    assert fee.case.disposition == "keep"
    assert fee.case.decision_date == datetime.date(2026, 11, 30)
    assert fee.case.milestones.count() == 8


@pytest.mark.parametrize("who", ["ivan", "vera"])
def test_only_editors_import(request, who, county_a, city):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        preview(xlsx_bytes([ITEM_HEADER]), user, city)


def test_no_import_outside_scope(alice, county_b, dept_b):
    rows = [ITEM_HEADER, item_row(1, "甲", dept_b.name)]
    with pytest.raises(PermissionDenied):
        run_import(xlsx_bytes(rows), alice, county_b)
    assert Case.objects.count() == 0


def test_city_admin_imports_into_a_county(carol, county_a, dept_a):
    report = run_import(three_items(dept_a), carol, county_a)
    assert report.committed
    assert Case.objects.filter(jurisdiction=county_a).count() == 3


def test_import_file_from_path_and_file_object(alice, county_a, dept_a, tmp_path):
    path = tmp_path / "清单.xlsx"
    path.write_bytes(three_items(dept_a))
    report = import_services.import_file(
        path, kind="item", jurisdiction="330102", user="alice", commit=False
    )
    assert report.ok and not report.committed and report.file_name == "清单.xlsx"
    with path.open("rb") as fh:
        report = import_services.import_file(fh, kind="item", jurisdiction=county_a, user=alice)
    assert report.committed and Case.objects.count() == 3


def test_command_preview_and_commit(alice, county_a, dept_a, tmp_path):
    path = tmp_path / "list.xlsx"
    path.write_bytes(three_items(dept_a))
    out = io.StringIO()
    call_command(
        "import_cases", str(path), kind="item", jurisdiction="330102", user="alice", stdout=out
    )
    assert "新建 3" in out.getvalue() and Case.objects.count() == 0
    call_command(
        "import_cases",
        str(path),
        "--commit",
        kind="item",
        jurisdiction="330102",
        user="alice",
        stdout=out,
    )
    assert Case.objects.count() == 3


def test_command_exits_non_zero_with_the_error_list(alice, county_a, dept_a, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(three_items(dept_a, last=item_row(3, "事项3", "无此局")))
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 处错误"):
        call_command(
            "import_cases",
            str(path),
            "--commit",
            kind="item",
            jurisdiction="330102",
            user="alice",
            stderr=err,
        )
    assert "第 4 行［审批部门］" in err.getvalue()
    assert Case.objects.count() == 0


def test_command_refuses_unknown_user_and_file(alice, county_a, tmp_path):
    with pytest.raises(CommandError, match="文件不存在"):
        call_command(
            "import_cases",
            str(tmp_path / "x.xlsx"),
            kind="item",
            jurisdiction="330102",
            user="alice",
        )
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"x")
    with pytest.raises(CommandError, match="用户不存在"):
        call_command("import_cases", str(path), kind="item", jurisdiction="330102", user="nobody")


def test_decided_case_update_keeps_workflow(alice, county_a, dept_a):
    """Import never changes status: a decided case is updated in place, status untouched."""
    case = make_case("item", county_a, alice, department=dept_a, name="事项1")
    case_transition(case=case, to=Status.UNDER_REVIEW, by=alice, reason="开始")
    case_transition(
        case=case,
        to=Status.DECIDED,
        by=alice,
        reason="决定",
        decision=Decision("retain", "某政发〔2026〕1号", datetime.date(2026, 1, 5)),
    )
    rows = [ITEM_HEADER, item_row(1, "事项1", dept_a.name, basis="新依据")]
    report = run_import(xlsx_bytes(rows), alice, county_a, on_duplicate="update")
    assert report.committed, report.errors
    case.refresh_from_db()
    assert case.status == Status.DECIDED
    assert case.intermediary_item.legal_basis == "新依据"


def test_other_departments_are_not_duplicates(alice, county_a, dept_a):
    other = DepartmentFactory(jurisdiction=county_a, name="甲区交通运输局")
    make_case("item", county_a, alice, department=dept_a, name="事项1")
    rows = [ITEM_HEADER, item_row(1, "事项1", other.name)]
    assert [r.outcome for r in preview(xlsx_bytes(rows), alice, county_a).rows] == ["create"]
