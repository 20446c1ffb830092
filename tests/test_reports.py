"""Monthly report (月报): figures as of month end from history, the PDF, issuing and freezing.

One constructed data set per class (built once with the clock set back, rolled back after the
class); each test runs in its own savepoint. The clock is pinned to 2026-12-05 while testing
so "future month" and "month has ended" do not depend on the real date.

The data set, as of 2026-11-30 24:00 (Asia/Shanghai):
    甲区 (330102): 3 items + 1 firm; item 0 completed in October, item 1 completed in November
    乙区 (330105): 2 fees; fee 0 cancelled and completed in November, fee 1 withdrawn
    测试市 (330100) itself: 2 items and 1 official's post, all open and overdue
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader
from reportlab.platypus import Table

import tracker.reports.admin  # noqa: F401 - registers MonthlyReport in the admin
from tests.factories import DepartmentFactory, JurisdictionFactory, UserFactory, make_case, withdraw
from tracker.cases import services
from tracker.cases.workflow import Role, Status
from tracker.models import Case, Jurisdiction, MonthlyReport, Note, User
from tracker.reports import figures as reports
from tracker.reports import services as report_services
from tracker.reports.figures import ReportTable, build_report_figures
from tracker.reports.pdf import ReportMeta, _Styles, _table_flowables

TZ = datetime.timezone(datetime.timedelta(hours=8))
OCT = datetime.datetime(2026, 10, 10, 10, tzinfo=TZ)
NOV = datetime.datetime(2026, 11, 15, 10, tzinfo=TZ)
NOW = datetime.datetime(2026, 12, 5, 10, tzinfo=TZ)
NOV_END = datetime.date(2026, 11, 30)
PERSON = "王小明"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
FORMULA = '=HYPERLINK("http://example.invalid","点我")'


@dataclass
class World:
    city: Jurisdiction
    county_a: Jurisdiction
    county_b: Jurisdiction
    users: dict[str, User]
    cases: dict[str, Case] = field(default_factory=dict)

    def client(self, persona: str) -> Client:
        """A client logged in as the persona (at the pinned clock: sessions expire)."""
        client = Client()
        client.force_login(self.users[persona])
        return client


@contextmanager
def class_data(django_db_blocker, tmp_path_factory) -> Iterator[None]:
    overrides = override_settings(
        PASSWORD_HASHERS=FAST_HASHERS,
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        REPORT_FONT_PATH="",
    )
    with overrides, django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def finish(case: Case, by: User, disposition: str, on: datetime.date) -> Case:
    """Take a case through every milestone and status to "completed"."""
    for milestone in case.milestones.filter(required=True):
        services.milestone_complete(
            milestone=milestone, by=by, effective_date=on, doc_no="测试〔2026〕1号"
        )
    decide(case, by, disposition, on)
    services.case_transition(case=case, to=Status.IN_PROGRESS, by=by, reason="开始整改")
    return services.case_transition(case=case, to=Status.COMPLETED, by=by, reason="完成")


def decide(case: Case, by: User, disposition: str, on: datetime.date) -> Case:
    services.case_transition(case=case, to=Status.UNDER_REVIEW, by=by, reason="核查")
    return services.case_transition(
        case=case,
        to=Status.DECIDED,
        by=by,
        reason="决定",
        decision=services.Decision(disposition, "测试〔2026〕2号", on),
    )


def build_world() -> World:
    city = JurisdictionFactory(code="330100", name="测试市", level=Jurisdiction.Level.CITY)
    county_a = JurisdictionFactory(
        code="330102", name="甲区", level=Jurisdiction.Level.DISTRICT, parent=city
    )
    county_b = JurisdictionFactory(
        code="330105", name="乙区", level=Jurisdiction.Level.DISTRICT, parent=city
    )
    users = {
        "alice": UserFactory(username="alice", role=Role.STAFF, jurisdiction=county_a),
        "bob": UserFactory(username="bob", role=Role.STAFF, jurisdiction=county_b),
        "carol": UserFactory(username="carol", role=Role.ADMIN, jurisdiction=city),
        "dora": UserFactory(username="dora", role=Role.ADMIN, jurisdiction=county_a),
        "ivan": UserFactory(username="ivan", role=Role.INSPECTOR, jurisdiction=city),
        "vera": UserFactory(
            username="vera", role=Role.VIEWER, jurisdiction=city, can_sign_reports=True
        ),
        "root": UserFactory(
            username="root", role=Role.ADMIN, jurisdiction=None, is_superuser=True, is_staff=True
        ),
    }
    world = World(city=city, county_a=county_a, county_b=county_b, users=users)
    alice, bob, carol = users["alice"], users["bob"], users["carol"]
    dept_a = DepartmentFactory(jurisdiction=county_a, name="甲区住房和城乡建设局")
    dept_b = DepartmentFactory(jurisdiction=county_b, name="乙区财政局")
    dept_c = DepartmentFactory(jurisdiction=city, name="市发展改革委")
    c = world.cases
    with time_machine.travel(OCT, tick=False):
        for i in range(3):
            c[f"a_item{i}"] = make_case(
                "item", county_a, alice, department=dept_a, name=f"甲区中介服务{i}"
            )
        c["a_firm"] = make_case("firm", county_a, alice, department=dept_a)
        c["b_fee0"] = make_case(
            "fee",
            county_b,
            bob,
            department=dept_b,
            annual_revenue=Decimal("12.50"),
            affects_enterprises=True,
        )
        c["b_fee1"] = make_case(
            "fee", county_b, bob, department=dept_b, annual_revenue=Decimal("7.25")
        )
        c["c_item"] = make_case(
            "item", city, carol, department=dept_c, deadline=datetime.date(2026, 11, 20)
        )
        c["c_formula"] = make_case(
            "item", city, carol, title=FORMULA, deadline=datetime.date(2026, 11, 5)
        )
        c["c_post"] = make_case(
            "post", city, carol, deadline=datetime.date(2026, 11, 10), person_name=PERSON
        )
        finish(c["a_item0"], alice, "cancel", OCT.date())
    with time_machine.travel(NOV, tick=False):
        finish(c["a_item1"], alice, "retain", NOV.date())
        finish(c["b_fee0"], bob, "fee_cancel", NOV.date())
        withdraw(c["b_fee1"], bob, reason="重复登记")
        services.note_add(
            case=c["c_item"], by=carol, text="等待省级部门批复", kind=Note.Kind.OVERDUE
        )
        services.note_add(
            case=c["c_post"], by=carol, text=f"{PERSON}本人尚未辞职", kind=Note.Kind.OVERDUE
        )
    return world


@pytest.fixture(scope="class")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    with class_data(django_db_blocker, tmp_path_factory):
        yield build_world()


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def db_counts(j: Jurisdiction, *, subtree: bool = False) -> dict:
    """The figures of one jurisdiction row, counted independently from the current tables."""
    if subtree:
        cases = Case.objects.filter(jurisdiction__path__startswith=j.path)
    else:
        cases = Case.objects.filter(jurisdiction=j)
    live = cases.exclude(status=Status.WITHDRAWN)
    done = live.filter(status__in=[Status.COMPLETED, Status.CLOSED])
    start = datetime.datetime(2026, 11, 1, tzinfo=TZ)
    done_before = {
        c.pk
        for c in Case.history.as_of(start).filter(id__in=done.values("pk"))
        if c.status in (Status.COMPLETED, Status.CLOSED)
    }
    return {
        "target": live.count(),
        "this_month": done.exclude(pk__in=done_before).count(),
        "cumulative": done.count(),
        "overdue": live.overdue(NOV_END).count(),
    }


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def pdf_row(text: str, section: str, label: str, n: int) -> list[str]:
    """The n cells after ``label`` in the table that follows ``section`` (pypdf: one per line)."""
    lines = [line.strip() for line in text[text.index(section) :].splitlines()]
    i = lines.index(label)
    return lines[i + 1 : i + 1 + n]


def issue(world: World, persona: str = "carol", j: Jurisdiction | None = None) -> MonthlyReport:
    by = world.users[persona]
    report = report_services.report_draft(jurisdiction=j or world.city, month="2026-11", by=by)
    report_services.report_update_narrative(
        report=report,
        by=by,
        narrative_progress="各地区按计划推进。",
        narrative_problems="个别事项逾期。",
        narrative_next="12 月底前全部完成。",
        preparer="张填报",
        reviewer="李审核",
    )
    report_services.report_sign(report=report, by=world.users["vera"])
    return report_services.report_issue(report=report, by=by)


def report_snapshot(report: MonthlyReport) -> tuple:
    report = MonthlyReport.objects.get(pk=report.pk)
    return (
        report.state,
        report.figures,
        report.params,
        report.sha256,
        report.pdf.name,
        report.narrative_progress,
        report.preparer,
        report.reviewer,
        MonthlyReport.history.filter(id=report.pk).count(),
    )


# --- figures -------------------------------------------------------------------------------


@pytest.mark.django_db
class TestFigures:
    def test_rows_equal_database_counts_and_total_is_the_sum(self, world):
        figures = build_report_figures(world.city, "2026-11")
        rows = {r["code"]: r for r in figures["jurisdictions"]["rows"]}

        assert [r["code"] for r in figures["jurisdictions"]["rows"]] == [
            "330100",
            "330102",
            "330105",
        ]
        for j in (world.county_a, world.county_b):
            got = {k: rows[j.code][k] for k in ("target", "this_month", "cumulative", "overdue")}
            assert got == db_counts(j, subtree=True)
        city_own = {k: rows["330100"][k] for k in ("target", "this_month", "cumulative", "overdue")}
        assert city_own == db_counts(world.city)
        assert city_own == {"target": 3, "this_month": 0, "cumulative": 0, "overdue": 3}
        assert rows["330102"]["this_month"] == 1 and rows["330102"]["cumulative"] == 2
        assert rows["330105"]["target"] == 1 and rows["330105"]["withdrawn"] == 1

        total = figures["jurisdictions"]["total"]
        for key in ("target", "new", "this_month", "cumulative", "overdue", "withdrawn"):
            assert total[key] == sum(r[key] for r in figures["jurisdictions"]["rows"])
            assert figures["total"][key] == total[key]
            assert figures["departments"]["total"][key] == total[key]
            assert sum(s[key] for s in figures["streams"]) == total[key]
        assert total["pct"] == pytest.approx(100 * 3 / 8, abs=0.05)

    def test_streams_and_lists(self, world):
        figures = build_report_figures(world.city, "2026-11")
        streams = {s["key"]: s for s in figures["streams"]}
        item = streams["A"]
        assert (item["target"], item["cumulative"], item["this_month"]) == (5, 2, 1)
        assert {d["value"]: d["count"] for d in item["dispositions"]}["cancel"] == 1
        details = {d["label"]: d["value"] for d in item["details"]}
        assert details["清单已公布"] == 2
        assert details["最近公布日期"] == NOV.date().isoformat()
        fee = {d["label"]: d["value"] for d in streams["D"]["details"]}
        assert fee["清理前收费项目"] == 1 and fee["清理后收费项目"] == 0
        assert fee["预计年减轻企业负担（涉企收费）"] == "12.50"
        post = {d["label"]: d["value"] for d in streams["C"]["details"]}
        assert post["应清理人次"] == 1

        overdue = {o["reference"]: o for o in figures["overdue"]}
        assert set(overdue) == {world.cases[k].reference for k in ("c_item", "c_formula", "c_post")}
        item_row = overdue[world.cases["c_item"].reference]
        assert item_row["explanation"] == "等待省级部门批复"
        assert item_row["days"] == (NOV_END - datetime.date(2026, 11, 20)).days
        post_row = overdue[world.cases["c_post"].reference]
        assert PERSON not in post_row["title"] + post_row["explanation"]
        # Items registered on 2026-10-10 with the year-end deadline have milestones due in December.
        assert figures["milestones_next"]
        assert all(m["due_date"].startswith("2026-12") for m in figures["milestones_next"])

    def test_later_change_leaves_the_month_unchanged(self, world):
        before = build_report_figures(world.city, "2026-11")
        # December: a county item is completed and the overdue city item is withdrawn.
        finish(world.cases["a_item2"], world.users["alice"], "retain", NOW.date())
        withdraw(world.cases["c_item"], world.users["carol"], reason="撤回")

        assert build_report_figures(world.city, "2026-11") == before
        december = build_report_figures(world.city, "2026-12")
        assert december["total"]["cumulative"] == before["total"]["cumulative"] + 1

    def test_october_is_october(self, world):
        october = build_report_figures(world.city, "2026-10")
        assert october["total"]["target"] == 9  # nothing withdrawn yet
        assert october["total"]["cumulative"] == 1
        assert october["total"]["new"] == 9
        assert october["total"]["overdue"] == 0  # the earliest deadline is 2026-11-05

    def test_county_report_is_its_subtree(self, world):
        figures = build_report_figures(world.county_a, "2026-11")
        assert [r["label"] for r in figures["jurisdictions"]["rows"]] == ["甲区"]
        assert figures["total"]["target"] == 4

    def test_query_count_does_not_grow_with_cases(self, world, django_assert_max_num_queries):
        build_report_figures(world.city, "2026-11")  # warm: index look-ups are cached
        # PostgreSQL adds its two SET LOCALs (work_mem, jit) for the figures query; both
        # count the two accountability queries (withdrawals by category, re-decisions).
        bound = 12 if connection.vendor == "sqlite" else 16
        with django_assert_max_num_queries(bound) as small:
            build_report_figures(world.city, "2026-11")
        for i in range(5):
            make_case("item", world.county_a, world.users["alice"], name=f"增加{i}")
        with django_assert_max_num_queries(bound) as large:
            figures = build_report_figures(world.city, "2026-11")
        assert len(large.captured_queries) == len(small.captured_queries)
        assert figures["total"]["target"] == 8  # created in December: not in November

    def test_optional_id_date_index_gives_the_same_figures(self, world):
        if connection.vendor != "sqlite":
            pytest.skip("the (id, history_date) index is only used on SQLite")
        before = build_report_figures(world.city, "2026-11")
        table = Case.history.model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE INDEX report_test_id_date ON {table} (id, history_date)")
        reports._ID_DATE_INDEX.clear()
        try:
            assert reports._id_date_index(Case.history.model) == "report_test_id_date"
            assert build_report_figures(world.city, "2026-11") == before
        finally:
            reports._ID_DATE_INDEX.clear()
            with connection.cursor() as cursor:
                cursor.execute("DROP INDEX report_test_id_date")

    @pytest.mark.parametrize(
        ("month", "message"),
        [
            ("2027-01", "未来月份"),
            ("2026-13", "月份不存在"),
            ("11/2026", "格式不正确"),
            ("", "格式"),
        ],
    )
    def test_bad_month(self, world, month, message):
        with pytest.raises(ValidationError) as exc:
            build_report_figures(world.city, month)
        assert message in " ".join(exc.value.messages)


# --- PDF -----------------------------------------------------------------------------------


@pytest.mark.django_db
class TestPdf:
    def test_pdf_numbers_headings_names_and_no_person(self, world):
        report = issue(world)
        text = pdf_text(report_services.issued_pdf_bytes(report))

        # Every section in order: masthead, narrative, figures, annexes, 版记.
        in_order = [
            "测试市推进职能转变协调小组办公室",
            "工作进展情况通报",
            "第1期",
            "签发人：vera",
            "一、工作进展",
            "各地区按计划推进。",
            "二、存在问题",
            "三、下一步工作",
            "四、主要指标及环比",
            "（一）分类进展汇总",
            "五、分地区进展及排名",
            "六、进展滞后单位",
            "七、分部门进展",
            "八、下月到期节点汇总",
            "填报人：张填报",
            "附件1",
            "逾期事项清单",
            "附件2",
            "下月到期节点清单",
            "报送：",
            "抄送：",
            "印发",
        ]
        positions = [text.find(h) for h in in_order]
        assert -1 not in positions, [h for h, p in zip(in_order, positions, strict=True) if p < 0]
        assert positions == sorted(positions)
        assert "第 1 页 / 共" in text
        for name in ("测试市", "甲区", "乙区", "甲区住房和城乡建设局"):
            assert name in text
        section = "五、分地区进展及排名"
        ranks = {}
        for label, j, subtree in (
            ("测试市（本级）", world.city, False),
            ("甲区", world.county_a, True),
            ("乙区", world.county_b, True),
        ):
            expected = db_counts(j, subtree=subtree)
            target, this_month, cumulative, pct, gap, rank, overdue = pdf_row(
                text, section, label, 7
            )
            ranks[label] = rank
            assert [int(target), int(this_month), int(cumulative), int(overdue)] == [
                expected["target"],
                expected["this_month"],
                expected["cumulative"],
                expected["overdue"],
            ]
            done = 100.0 * expected["cumulative"] / expected["target"]
            assert pct == f"{done:.1f}%"
            assert gap == f"{done - 100.0 * 11 / 12:+.1f}"
        # Counties ranked by completion rate (甲区 2 of 4 = 50%, 乙区 1 of 1 = 100%); 本级 not.
        assert ranks == {"测试市（本级）": "—", "甲区": "2", "乙区": "1"}
        total = pdf_row(text, section, "合计", 7)
        assert int(total[0]) == Case.objects.exclude(status=Status.WITHDRAWN).count()
        assert int(total[2]) == Case.objects.filter(status=Status.COMPLETED).count()
        # The officials' section and every list: counts only, no names.
        assert PERSON not in text
        assert "P-0001" not in text
        assert report.sha256 == hashlib.sha256(report_services.issued_pdf_bytes(report)).hexdigest()

    def test_long_tables_are_built_page_by_page_with_headers(self, world):
        n = 500
        table = ReportTable(
            key="t",
            title="t",
            headers=["编号", "名称"],
            rows=[[f"R{i}", "很长的名称" * (1 + i % 30)] for i in range(n)],
            numeric=[False, False],
            widths=[1, 3],
            wrap=[False, True],
        )
        from tracker.reports.fonts import register_font

        (paged,) = _table_flowables(table, _Styles(register_font()))
        assert "\n" in paged.rows[-1][1]  # long CJK text wrapped into plain lines
        pages, rest, page_height = [], paged, 700
        while True:
            parts = rest.split(400, page_height)
            if not parts:
                break
            pages.append(parts[0])
            rest = parts[1] if len(parts) > 1 else None
            if rest is None or rest.wrap(400, page_height)[1] <= page_height:
                break
        assert len(pages) > 5
        assert all(isinstance(t, Table) and t._cellvalues[0][0] == "编号" for t in pages)
        shown = sum(len(t._cellvalues) - 1 for t in pages) + (rest.remaining if rest else 0)
        assert shown == n
        assert all(sum(t._rowHeights) <= page_height for t in pages)

    def test_cff_otf_and_missing_font_are_refused(self, world, tmp_path, settings):
        otf = tmp_path / "font.otf"
        otf.write_bytes(b"OTTO" + b"\0" * 64)
        meta = ReportMeta(
            jurisdiction_name="测试市", month_label="2026年11月", generated_at="", generated_by=""
        )
        figures = build_report_figures(world.city, "2026-11")
        settings.REPORT_FONT_PATH = str(otf)
        with pytest.raises(Exception, match="CFF"):
            report_services.render_pdf(figures, meta)
        settings.REPORT_FONT_PATH = str(tmp_path / "missing.ttf")
        with pytest.raises(Exception, match="不存在"):
            report_services.render_pdf(figures, meta)


# --- issuing, freezing, backdated changes -----------------------------------------------------


@pytest.mark.django_db
class TestIssue:
    def test_issued_report_is_stored_and_reproducible(self, world):
        report = issue(world)
        assert report.state == MonthlyReport.State.ISSUED
        assert report.issued_by == world.users["carol"]
        assert len(report.sha256) == 64 and report.chain_head and report.params["chain_seq"] > 0
        assert report.figures == build_report_figures(world.city, "2026-11")
        assert report_services.verify_pdf(report)

    def test_backdated_change_flags_the_report(self, world):
        report = issue(world)
        assert reports.backdated_changes([report])[report.pk] == []

        # An ordinary change after issue (dated now) does not touch November.
        services.note_add(case=world.cases["a_item2"], by=world.users["alice"], text="十二月备注")
        assert reports.backdated_changes([report])[report.pk] == []

        # A backdated change: a history row dated in November but recorded after issue.
        case = Case.objects.get(pk=world.cases["a_item2"].pk)
        case.deadline = datetime.date(2026, 11, 1)
        case._history_date = datetime.datetime(2026, 11, 20, 9, tzinfo=TZ)
        services.tracked_save(case, by=world.users["alice"], reason="补录：原定时限")

        changes = reports.backdated_changes([report])[report.pk]
        assert [c.reference for c in changes] == [case.reference]
        page = world.client("vera").get(reverse("reports:list"))
        assert "印发后数据有变动" in page.content.decode()
        assert case.reference in page.content.decode()
        # The issued figures stay as issued; a fresh computation sees the backdated row.
        assert MonthlyReport.objects.get(pk=report.pk).figures == report.figures
        assert build_report_figures(world.city, "2026-11")["total"]["overdue"] == 4

    def test_backdated_change_elsewhere_does_not_flag(self, world):
        report = issue(world, "dora", world.county_a)
        case = Case.objects.get(pk=world.cases["c_item"].pk)
        case._history_date = datetime.datetime(2026, 11, 20, 9, tzinfo=TZ)
        services.tracked_save(case, by=world.users["carol"], reason="补录")
        assert reports.backdated_changes([report])[report.pk] == []

    def test_issued_report_cannot_be_changed_through_views(self, world):
        report = issue(world)
        before = report_snapshot(report)
        client = world.client("carol")
        posts = {
            "narrative": {
                "narrative_progress": "改",
                "narrative_problems": "改",
                "narrative_next": "改",
                "preparer": "改",
                "reviewer": "改",
            },
            "refresh": {},
            "issue": {},
        }
        for name, data in posts.items():
            response = client.post(reverse(f"reports:{name}", args=[report.pk]), data)
            assert response.status_code == 302
        assert report_snapshot(report) == before
        with pytest.raises(Exception, match="已印发"):
            report_services.report_refresh(report=report, by=world.users["carol"])
        assert report_snapshot(report) == before

    def test_issued_report_cannot_be_changed_in_the_admin(self, world):
        report = issue(world)
        before = report_snapshot(report)
        client = world.client("root")
        change = reverse("admin:tracker_monthlyreport_change", args=[report.pk])
        assert client.get(change).status_code == 200  # view only
        assert (
            client.post(change, {"narrative_progress": "改", "state": "draft"}).status_code == 403
        )
        delete = reverse("admin:tracker_monthlyreport_delete", args=[report.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
        listing = reverse("admin:tracker_monthlyreport_changelist")
        response = client.post(
            listing, {"action": "delete_selected", "_selected_action": [report.pk]}
        )
        assert response.status_code in (200, 302)
        assert client.get(reverse("admin:tracker_monthlyreport_add")).status_code == 403
        assert report_snapshot(report) == before

    def test_issue_needs_signoff_and_an_ended_month(self, world):
        carol = world.users["carol"]
        report = report_services.report_draft(jurisdiction=world.city, month="2026-11", by=carol)
        with pytest.raises(Exception, match="填报人"):
            report_services.report_issue(report=report, by=carol)
        current = report_services.report_draft(jurisdiction=world.city, month="2026-12", by=carol)
        report_services.report_update_narrative(
            report=current,
            by=carol,
            narrative_progress="进展",
            narrative_problems="问题",
            narrative_next="计划",
            preparer="张",
            reviewer="李",
        )
        with pytest.raises(Exception, match="尚未结束"):
            report_services.report_issue(report=current, by=carol)
        assert not MonthlyReport.objects.filter(state=MonthlyReport.State.ISSUED).exists()

    def test_missing_font_writes_nothing(self, world, settings):
        carol = world.users["carol"]
        report = report_services.report_draft(jurisdiction=world.city, month="2026-11", by=carol)
        report_services.report_update_narrative(
            report=report,
            by=carol,
            narrative_progress="进展",
            narrative_problems="问题",
            narrative_next="计划",
            preparer="张",
            reviewer="李",
        )
        report_services.report_sign(report=report, by=world.users["vera"])
        settings.REPORT_FONT_PATH = "/nonexistent/fonts/simsun.ttf"
        before = report_snapshot(report)
        files = set(Path(settings.MEDIA_ROOT).rglob("*.pdf"))
        response = world.client("carol").post(
            reverse("reports:issue", args=[report.pk]), follow=True
        )
        assert "字体文件不存在" in response.content.decode()
        assert report_snapshot(report) == before
        assert set(Path(settings.MEDIA_ROOT).rglob("*.pdf")) == files


# --- pages, roles, downloads ---------------------------------------------------------------


@pytest.mark.django_db
class TestPages:
    def test_admin_drafts_fills_in_previews_and_issues(self, world):
        client = world.client("carol")
        response = client.post(
            reverse("reports:new"), {"month": "2026-11", "jurisdiction": world.city.pk}
        )
        report = MonthlyReport.objects.get(state=MonthlyReport.State.DRAFT)
        assert response.status_code == 302
        detail = client.get(reverse("reports:detail", args=[report.pk]))
        html = detail.content.decode()
        assert "五、分地区进展及排名" in html and "<svg" in html and "乙区" in html
        preview = client.get(reverse("reports:pdf", args=[report.pk]))
        assert preview["Content-Type"] == "application/pdf"
        assert "草稿" in pdf_text(preview.content)
        client.post(
            reverse("reports:narrative", args=[report.pk]),
            {
                "narrative_progress": "进展",
                "narrative_problems": "问题",
                "narrative_next": "计划",
                "preparer": "张填报",
                "reviewer": "李审核",
            },
        )
        world.client("vera").post(reverse("reports:sign", args=[report.pk]))
        assert client.get(reverse("reports:issue", args=[report.pk])).status_code == 200
        client.post(reverse("reports:issue", args=[report.pk]))
        report.refresh_from_db()
        assert report.state == MonthlyReport.State.ISSUED and report.preparer == "张填报"

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"month": "2027-02"}, "未来月份"),
            ({"month": "2026-1x"}, "格式不正确"),
            ({"month": "2026-00"}, "月份不存在"),
        ],
    )
    def test_bad_draft_input_writes_nothing(self, world, data, message):
        response = world.client("carol").post(
            reverse("reports:new"), {"jurisdiction": world.city.pk, **data}
        )
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not MonthlyReport.objects.exists()

    def test_out_of_scope_jurisdiction_is_refused(self, world):
        response = world.client("dora").post(
            reverse("reports:new"), {"month": "2026-11", "jurisdiction": world.city.pk}
        )
        assert "该行政区划不在您的管辖范围内" in response.content.decode()
        assert not MonthlyReport.objects.exists()

    def test_roles_and_scope(self, world):
        report = issue(world, "dora", world.county_a)
        draft = report_services.report_draft(
            jurisdiction=world.city, month="2026-10", by=world.users["carol"]
        )
        for persona in ("vera", "ivan", "alice", "carol", "dora"):
            client = world.client(persona)
            assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 200
            pdf = client.get(reverse("reports:pdf", args=[report.pk]))
            assert pdf.status_code == 200
            assert pdf.content.startswith(b"%PDF")
        # Another county's report: 404, never 403.
        assert (
            world.client("bob").get(reverse("reports:detail", args=[report.pk])).status_code == 404
        )
        assert world.client("bob").get(reverse("reports:pdf", args=[report.pk])).status_code == 404
        # Drafts are the reform admins' and the signers' (and out of dora's scope).
        for persona in ("ivan", "dora"):
            client = world.client(persona)
            assert client.get(reverse("reports:detail", args=[draft.pk])).status_code == 404
        vera = world.client("vera")
        assert vera.get(reverse("reports:detail", args=[draft.pk])).status_code == 200
        # Viewers and inspectors do not draft or issue.
        for persona in ("vera", "ivan", "alice"):
            client = world.client(persona)
            assert client.get(reverse("reports:new")).status_code == 403
            assert client.post(reverse("reports:issue", args=[draft.pk])).status_code == 403
        listing = world.client("ivan").get(reverse("reports:list")).content.decode()
        assert "甲区" in listing and reverse("reports:detail", args=[draft.pk]) not in listing

    def test_csv_and_xlsx_of_each_table_neutralise_formulas(self, world):
        report = issue(world)
        client = world.client("vera")
        for table in reports.report_tables(report.figures):
            for fmt in ("csv", "xlsx"):
                url = reverse("reports:export", args=[report.pk, table.key, fmt])
                response = client.get(url)
                assert response.status_code == 200, url
        csv_text = client.get(
            reverse("reports:export", args=[report.pk, "overdue", "csv"])
        ).content.decode("utf-8-sig")
        titles = [row[1] for row in csv.reader(io.StringIO(csv_text))]
        assert "'" + FORMULA in titles
        assert PERSON not in csv_text
        xlsx = client.get(reverse("reports:export", args=[report.pk, "overdue", "xlsx"])).content
        sheet = load_workbook(io.BytesIO(xlsx)).active
        values = [cell.value for row in sheet.iter_rows() for cell in row]
        assert "'" + FORMULA in values
        assert FORMULA not in values
        jurisdictions = client.get(
            reverse("reports:export", args=[report.pk, "jurisdictions", "csv"])
        ).content.decode("utf-8-sig")
        assert "测试市（本级）" in jurisdictions and "合计" in jurisdictions
        assert (
            client.get(reverse("reports:export", args=[report.pk, "nope", "csv"])).status_code
            == 404
        )
        assert (
            client.get(reverse("reports:export", args=[report.pk, "overdue", "exe"])).status_code
            == 404
        )

    def test_list_query_count(self, world, django_assert_max_num_queries):
        for month in ("2026-09", "2026-10", "2026-11"):
            report = report_services.report_draft(
                jurisdiction=world.city, month=month, by=world.users["carol"]
            )
            report_services.report_update_narrative(
                report=report,
                by=world.users["carol"],
                narrative_progress="进展",
                narrative_problems="问题",
                narrative_next="计划",
                preparer="张",
                reviewer="李",
            )
            report_services.report_sign(report=report, by=world.users["vera"])
            report_services.report_issue(report=report, by=world.users["carol"])
        client = world.client("carol")
        with django_assert_max_num_queries(10):
            response = client.get(reverse("reports:list"))
        assert response.status_code == 200
        assert len(response.context["rows"]) == 3

    def test_dashboard_counts_are_the_report_tallies(self, world):
        """The dashboard's one GROUP BY gives the same jurisdiction rows as the report's
        Group/Tally path over the same counts, and the same totals as plain counts."""
        from django.db.models import Count

        from tracker.cases import selectors
        from tracker.cases.workflow import Status
        from tracker.models import Case
        from tracker.reports import figures as reports

        for name in ("alice", "vera"):
            user = world.users[name]
            counts = selectors.scope_counts(user)
            scope = reports._scope(user.jurisdiction)
            groups = []
            for place, kind, status, n, late in counts.by_place:
                late = late if status in reports.OPEN_VALUES else 0
                for count, is_late in ((n - late, False), (late, True)):
                    if count:
                        groups.append(
                            reports.Group(
                                juris_id=place,
                                dept_id=None,
                                kind=kind,
                                status=status,
                                disposition="",
                                existed_prev=True,
                                done_prev=True,
                                overdue=is_late,
                                aff_type="",
                                firm_change_done=False,
                                pay_returned=False,
                                key_done=False,
                                n=count,
                            )
                        )
            assert reports._current_jurisdiction_rows(
                scope, counts.by_place
            ) == reports._jurisdiction_rows(scope, groups, None)
            scoped = Case.objects.for_user(user)
            assert sum(row[3] for row in counts.by_place) == scoped.count()
            expected = {
                (r["kind"], r["disposition"]): r["n"]
                for r in scoped.exclude(status=Status.WITHDRAWN)
                .exclude(disposition="")
                .values("kind", "disposition")
                .annotate(n=Count("id"))
            }
            assert counts.dispositions == expected

    def test_dashboard_shows_svg_charts_for_the_scope(self, world):
        html = world.client("alice").get(reverse("tracker:dashboard")).content.decode()
        assert 'id="chart-jurisdictions"' in html and "甲区" in html
        assert "乙区" not in html.split('id="dashboard-charts"')[1]
        city = world.client("vera").get(reverse("tracker:dashboard")).content.decode()
        assert re.search(r"chart-dispositions-A", city)
        assert "乙区" in city
        # Each chart is well-formed SVG with escaped text (no script, no external resource).
        svgs = re.findall(r"<svg.*?</svg>", city, flags=re.S)
        assert len(svgs) == 5
        for svg in svgs:
            ElementTree.fromstring(svg)
            assert "<script" not in svg and "href" not in svg


# --- the command -----------------------------------------------------------------------------


@pytest.mark.django_db
class TestCommand:
    def test_draft_only_writes_the_file(self, world, tmp_path):
        out = tmp_path / "draft.pdf"
        call_command(
            "monthly_report", month="2026-11", jurisdiction="330100", output=str(out), draft=True
        )
        assert out.read_bytes().startswith(b"%PDF")
        assert "草稿" in pdf_text(out.read_bytes())
        assert not MonthlyReport.objects.exists()

    def test_issue_from_cron(self, world, tmp_path):
        out = tmp_path / "report.pdf"
        call_command(
            "monthly_report",
            month="2026-11",
            jurisdiction="330100",
            output=str(out),
            user="carol",
            signer="vera",
            narrative_from_figures=True,
            preparer="张填报",
            reviewer="李审核",
        )
        report = MonthlyReport.objects.get()
        assert report.state == MonthlyReport.State.ISSUED
        assert hashlib.sha256(out.read_bytes()).hexdigest() == report.sha256

    @pytest.mark.parametrize(
        ("options", "message"),
        [
            ({"month": "2027-01"}, "未来月份"),
            ({"month": "2026/11"}, "格式不正确"),
            ({"jurisdiction": "999999"}, "不存在"),
            ({"user": "dora"}, "管辖范围"),
            ({"user": None}, "--user"),
            ({"preparer": None}, "填报人"),
        ],
    )
    def test_bad_input_writes_nothing(self, world, tmp_path, options, message):
        out = tmp_path / "report.pdf"
        args = {
            "month": "2026-11",
            "jurisdiction": "330100",
            "output": str(out),
            "user": "carol",
            "signer": "vera",
            "narrative_from_figures": True,
            "preparer": "张",
            "reviewer": "李",
            **options,
        }
        args = {k: v for k, v in args.items() if v is not None}
        if "preparer" not in args:
            args.pop("reviewer")
        with pytest.raises(CommandError, match=re.escape(message)):
            call_command("monthly_report", **args)
        assert not out.exists()
        assert not MonthlyReport.objects.exists()

    def test_missing_font_writes_nothing(self, world, tmp_path, settings):
        settings.REPORT_FONT_PATH = str(tmp_path / "missing.ttf")
        out = tmp_path / "report.pdf"
        with pytest.raises(CommandError, match="字体文件不存在"):
            call_command(
                "monthly_report",
                month="2026-11",
                jurisdiction="330100",
                output=str(out),
                user="carol",
                signer="vera",
                narrative_from_figures=True,
                preparer="张",
                reviewer="李",
            )
        assert not out.exists()
        assert not MonthlyReport.objects.exists()
