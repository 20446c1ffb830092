"""The monthly report as an official document: fonts, layout, 签发, corrections, frozen files.

Uses the small world of tests/test_reports.py (two districts under a city, a month of work).
"""

from __future__ import annotations

import datetime
import hashlib
import io
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from tests.factories import UserFactory, make_case, withdraw
from tests.test_reports import NOV, NOW, build_world, class_data, finish, issue, pdf_text
from tracker.cases.workflow import Role
from tracker.models import CatalogueEdition, MonthlyReport, Notification
from tracker.reports import services as report_services
from tracker.reports.figures import build_report_figures
from tracker.reports.fonts import BUNDLED
from tracker.reports.narrative import draft_narrative


@pytest.fixture(scope="class")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with class_data(django_db_blocker, tmp_path_factory):
        yield build_world()


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(NOW, tick=False):
        yield


NARRATIVE = {
    "narrative_progress": "各地区按计划推进。",
    "narrative_problems": "个别事项逾期。",
    "narrative_next": "12 月底前全部完成。",
    "preparer": "张填报",
    "reviewer": "李审核",
}


def snapshot() -> list[tuple]:
    return list(
        MonthlyReport.objects.order_by("pk").values_list(
            "pk", "state", "signer_id", "issue_no", "supersedes_id", "sha256"
        )
    )


def fonts_of(pdf: bytes) -> list[dict]:
    """Every font dictionary used on any page (descendant fonts of Type0 fonts included)."""
    found = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources = page.get("/Resources") or {}
        fonts = resources.get("/Font") or {}
        for ref in fonts.values():
            font = ref.get_object()
            found[str(font.get("/BaseFont"))] = font
            for child in font.get("/DescendantFonts") or []:
                child = child.get_object()
                found[str(child.get("/BaseFont"))] = child
    return list(found.values())


def is_embedded(font) -> bool:
    descriptor = font.get("/FontDescriptor")
    if descriptor is None:
        return False
    descriptor = descriptor.get_object()
    return any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def drafted(world, persona: str = "carol") -> MonthlyReport:
    by = world.users[persona]
    report = report_services.report_draft(jurisdiction=world.city, month="2026-11", by=by)
    return report_services.report_update_narrative(report=report, by=by, **NARRATIVE)


@pytest.mark.django_db
class TestFonts:
    def test_every_font_of_the_issued_pdf_is_embedded(self, world):
        report = issue(world)
        fonts = fonts_of(report_services.issued_pdf_bytes(report))
        names = sorted(str(f.get("/BaseFont")) for f in fonts)
        assert fonts and all(is_embedded(f) for f in fonts), names
        # The title/body serif and the heading sans: two families, no built-in CID font.
        assert any("NotoSerifSC" in n for n in names) and any("NotoSansSC" in n for n in names)
        assert not any("STSong" in n for n in names)

    def test_fonts_are_shipped_with_the_app(self):
        for path in BUNDLED.values():
            assert path.is_file() and path.read_bytes()[:4] == b"\x00\x01\x00\x00"
        assert (Path(next(iter(BUNDLED.values()))).parent / "OFL.txt").is_file()


@pytest.mark.django_db
class TestDocument:
    def test_draft_has_a_watermark_on_every_page_and_true_metadata(self, world):
        report = drafted(world)
        pdf = report_services.report_preview_pdf(report=report, by=world.users["carol"])
        reader = PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) > 2
        for page in reader.pages:
            assert "草稿" in page.extract_text()
        info = reader.metadata
        assert info.author == "测试市推进职能转变协调小组办公室"
        assert "测试市" in info.title and "2026年11月" in info.title
        # Created now (the pinned clock: 2026-12-05 10:00 +08:00), not 2000-01-01.
        assert info["/CreationDate"].startswith("D:20261205100000+08")

    def test_issued_pdf_has_masthead_number_signer_ranking_and_no_watermark(self, world):
        report = issue(world)
        reader = PdfReader(io.BytesIO(report_services.issued_pdf_bytes(report)))
        first = reader.pages[0].extract_text()
        assert "测试市推进职能转变协调小组办公室" in first and "第1期" in first
        assert "签发人：vera" in first
        assert all("草稿" not in p.extract_text() for p in reader.pages)
        text = pdf_text(report_services.issued_pdf_bytes(report))
        assert "序时进度" in text and "排名" in text
        assert report.issue_no == 1 and report.signer == world.users["vera"]

    def test_narrative_is_drafted_from_the_figures(self, world):
        figures = build_report_figures(world.city, "2026-11")
        text = draft_narrative(figures)
        total = figures["total"]
        assert f"累计完成{total['cumulative']}项" in text["narrative_progress"]
        assert "序时进度91.7%" in text["narrative_progress"]
        assert f"逾期未完成事项{total['overdue']}项" in text["narrative_problems"]
        # The page offers it in the empty fields; nothing is stored until saved.
        report = report_services.report_draft(
            jurisdiction=world.city, month="2026-11", by=world.users["carol"]
        )
        page = world.client("carol").get(reverse("reports:detail", args=[report.pk]))
        assert f"累计完成{total['cumulative']}项" in page.content.decode()
        report.refresh_from_db()
        assert report.narrative_progress == ""


@pytest.mark.django_db
class TestSignAndIssue:
    def test_cannot_issue_without_narrative(self, world):
        carol = world.users["carol"]
        report = report_services.report_draft(jurisdiction=world.city, month="2026-11", by=carol)
        report_services.report_update_narrative(
            report=report, by=carol, **{**NARRATIVE, "narrative_problems": ""}
        )
        before = snapshot()
        with pytest.raises(ValidationError, match="存在问题"):
            report_services.report_sign(report=report, by=world.users["vera"])
        with pytest.raises(ValidationError, match="存在问题"):
            report_services.report_issue(report=report, by=carol)
        assert snapshot() == before

    def test_cannot_issue_without_signoff(self, world):
        report = drafted(world)
        before = snapshot()
        with pytest.raises(ValidationError, match="尚未签发"):
            report_services.report_issue(report=report, by=world.users["carol"])
        response = world.client("carol").post(
            reverse("reports:issue", args=[report.pk]), follow=True
        )
        assert "须由领导签发后才能印发" in response.content.decode()
        assert snapshot() == before

    def test_staff_and_ungranted_users_cannot_sign(self, world):
        report = drafted(world)
        before = snapshot()
        granted_staff = UserFactory(
            username="sam", role=Role.STAFF, jurisdiction=world.city, can_sign_reports=True
        )
        for user in (granted_staff, world.users["carol"], world.users["ivan"]):
            with pytest.raises(PermissionDenied, match="没有签发月报的权限"):
                report_services.report_sign(report=report, by=user)
        assert (
            world.client("alice").post(reverse("reports:sign", args=[report.pk])).status_code == 403
        )
        assert snapshot() == before

    def test_editing_after_signoff_voids_it(self, world):
        report = drafted(world)
        report_services.report_sign(report=report, by=world.users["vera"])
        report = report_services.report_update_narrative(
            report=report, by=world.users["carol"], **{**NARRATIVE, "narrative_next": "改了"}
        )
        assert report.signer is None
        with pytest.raises(ValidationError, match="尚未签发"):
            report_services.report_issue(report=report, by=world.users["carol"])

    def test_sign_through_the_page(self, world):
        report = drafted(world)
        page = world.client("vera").get(reverse("reports:detail", args=[report.pk]))
        assert 'id="sign-report"' in page.content.decode()
        world.client("vera").post(reverse("reports:sign", args=[report.pk]))
        report.refresh_from_db()
        assert report.signer == world.users["vera"] and report.signed_at is not None


@pytest.mark.django_db
class TestCorrections:
    def test_second_issue_is_a_correction_naming_the_first(self, world):
        first = issue(world)
        carol = world.users["carol"]
        before = snapshot()
        with pytest.raises(ValidationError, match="更正原因"):
            report_services.report_draft(jurisdiction=world.city, month="2026-11", by=carol)
        response = world.client("carol").post(
            reverse("reports:new"), {"month": "2026-11", "jurisdiction": world.city.pk}
        )
        assert "请填写更正原因" in response.content.decode()
        assert snapshot() == before
        draft = report_services.report_draft(
            jurisdiction=world.city,
            month="2026-11",
            by=carol,
            correction_reason="乙区收费项目数据录入有误",
        )
        assert draft.supersedes == first
        report_services.report_update_narrative(report=draft, by=carol, **NARRATIVE)
        report_services.report_sign(report=draft, by=world.users["vera"])
        second = report_services.report_issue(report=draft, by=carol)
        first.refresh_from_db()
        assert second.issue_no == first.issue_no == 1
        assert second.stands and not first.stands
        text = pdf_text(report_services.issued_pdf_bytes(second)).replace("\n", "")
        assert "替代" in text and "第1期" in text and "乙区收费项目数据录入有误" in text
        # Both stay readable; the list says which stands.
        client = world.client("ivan")
        for report in (first, second):
            assert client.get(reverse("reports:pdf", args=[report.pk])).status_code == 200
        listing = client.get(reverse("reports:list")).content.decode()
        assert listing.count("现行有效") == 1 and listing.count("已被更正") == 1
        page = client.get(reverse("reports:detail", args=[first.pk])).content.decode()
        assert "已被更正" in page and reverse("reports:detail", args=[second.pk]) in page

    def test_an_uncorrected_second_issue_is_refused_by_the_database_too(self, world):
        first = issue(world)
        clone = MonthlyReport(
            jurisdiction=first.jurisdiction,
            month=first.month,
            state=MonthlyReport.State.ISSUED,
            created_by=first.created_by,
        )
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            clone.save()


@pytest.mark.django_db
class TestFrozenFiles:
    def test_altered_pdf_is_refused_with_an_alert(self, world, capsys):
        report = issue(world)
        path = Path(report.pdf.path)
        path.write_bytes(path.read_bytes().replace(b"%%EOF", b"%%EOF\n% altered"))
        before = Notification.objects.filter(kind=Notification.Kind.INTEGRITY).count()
        response = world.client("vera").get(reverse("reports:pdf", args=[report.pk]))
        assert response.status_code == 409
        assert "与冻结记录不符" in response.content.decode()
        assert b"%PDF" not in response.content
        alerted = set(
            Notification.objects.filter(kind=Notification.Kind.INTEGRITY).values_list(
                "user__username", flat=True
            )
        )
        assert {"carol", "ivan"} <= alerted and "alice" not in alerted and "vera" not in alerted
        # A second refusal does not alert the same people twice.
        world.client("vera").get(reverse("reports:pdf", args=[report.pk]))
        after = Notification.objects.filter(kind=Notification.Kind.INTEGRITY).count()
        assert after - before == len(alerted)
        with pytest.raises(SystemExit):
            call_command("verify_audit", "--no-record")
        assert "FROZEN FILE MISMATCH" in capsys.readouterr().err

    def test_intact_pdf_is_served_and_verify_audit_is_clean(self, world, capsys):
        report = issue(world)
        response = world.client("vera").get(reverse("reports:pdf", args=[report.pk]))
        assert response.status_code == 200
        assert hashlib.sha256(response.content).hexdigest() == report.sha256
        call_command("verify_audit", "--no-record")
        assert "frozen files: every issued report" in capsys.readouterr().out

    def test_altered_catalogue_edition_is_refused(self, world):
        edition = CatalogueEdition.objects.create(
            kind="item",
            jurisdiction=world.city,
            number=1,
            title="测试市行政审批中介服务事项目录",
            effective_date=datetime.date(2026, 11, 1),
            entries=[],
            published_by=world.users["carol"],
        )
        from tracker.catalogue.services import snapshot_sha256

        CatalogueEdition.objects.filter(pk=edition.pk).update(sha256=snapshot_sha256([]))
        url = reverse("catalogue:items_download", args=["xlsx"]) + "?jurisdiction=330100"
        assert world.client("vera").get(url).status_code == 200
        CatalogueEdition.objects.filter(pk=edition.pk).update(entries=[{"name": "篡改"}])
        refused = world.client("vera").get(url)
        assert refused.status_code == 409
        assert "与冻结记录不符" in refused.content.decode()
        assert Notification.objects.filter(
            kind=Notification.Kind.INTEGRITY, user=world.users["carol"]
        ).exists()


@pytest.mark.django_db
def test_fee_relief_counts_enterprise_fees_and_reductions_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    place = build_world()
    bob = place.users["bob"]
    with time_machine.travel(NOV, tick=False):
        reduced = make_case(
            "fee",
            place.county_b,
            bob,
            annual_revenue=Decimal("10.00"),
            amount=Decimal("100"),
            amount_after=Decimal("60"),
            affects_enterprises=True,
        )
        citizens = make_case(
            "fee", place.county_b, bob, annual_revenue=Decimal("99.00"), affects_enterprises=False
        )
        duplicate = make_case(
            "fee", place.county_b, bob, annual_revenue=Decimal("12.50"), affects_enterprises=True
        )
        finish(reduced, bob, "reduce", NOV.date())
        finish(citizens, bob, "fee_cancel", NOV.date())
        withdraw(duplicate, bob, reason="重复登记")
    fee = next(s for s in build_report_figures(place.city, "2026-11")["streams"] if s["key"] == "D")
    lines = {d["label"]: d["value"] for d in fee["details"]}
    # b_fee0 of the world (12.50, cancelled, enterprise) + 40% of 10.00 reduced; the citizens'
    # fee and the withdrawn duplicate count nothing.
    assert lines["其中：降低标准减负"] == "4.00"
    assert lines["预计年减轻企业负担（涉企收费）"] == "16.50"
