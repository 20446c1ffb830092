"""Public catalogues: only decided, kept entries; published editions with change notes;
anonymous pages, PDF and XLSX; only a reform admin publishes."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import make_case, withdraw
from tracker.cases.services import Decision, case_transition
from tracker.cases.workflow import Status
from tracker.catalogue import services as catalogue
from tracker.models import CatalogueEdition

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 30)


def decide(case, by, disposition: str):
    case = case_transition(case=case, to=Status.UNDER_REVIEW, by=by, reason="核查")
    return case_transition(
        case=case,
        to=Status.DECIDED,
        by=by,
        reason="决定",
        decision=Decision(disposition, "某政发〔2026〕9号", DAY),
    )


@pytest.fixture
def items(alice, county_a, dept_a):
    kept = make_case(
        "item", county_a, alice, department=dept_a, name="环评文件编制", legal_basis="甲法\n乙条例"
    )
    decide(kept, alice, "retain")
    cancelled = make_case("item", county_a, alice, department=dept_a, name="已取消的事项")
    decide(cancelled, alice, "cancel")
    undecided = make_case("item", county_a, alice, department=dept_a, name="未决定的事项")
    undecided.disposition = "retain"  # proposed but not decided: never published
    undecided.save()
    return {"kept": kept, "cancelled": cancelled, "undecided": undecided}


def test_live_entries_only_decided_and_kept(items, county_a):
    entries = catalogue.live_entries("item", county_a)
    assert [e["name"] for e in entries] == ["环评文件编制"]
    entry = entries[0]
    assert entry["legal_basis"] == ["甲法", "乙条例"]
    assert entry["department"] == "甲区住房和城乡建设局"
    # The effective date is the edition's, not the case's decision date (issue 14).
    assert "effective_date" not in entry and entry["list"] == "main"


def test_public_pages_show_nothing_before_publishing(client, items, county_a):
    response = client.get(reverse("catalogue:items") + "?jurisdiction=330102")
    assert response.status_code == 200
    content = response.content.decode()
    assert "尚未发布" in content
    assert "环评文件编制" not in content


def test_publish_editions_with_change_notes(client, carol, alice, items, county_a, dept_a):
    first = catalogue.catalogue_publish(
        kind_key="item", jurisdiction=county_a, by=carol, effective_date=DAY
    )
    assert first.number == 1 and "首次发布，共 1 项" in first.change_note
    assert len(first.sha256) == 64

    # After publishing: one more decided, one withdrawn. The public still sees edition 1.
    new = make_case("item", county_a, alice, department=dept_a, name="地灾评估")
    decide(new, alice, "retain")
    withdraw(items["kept"], alice, reason="并入其他事项")
    page = client.get(reverse("catalogue:items") + "?jurisdiction=330102").content.decode()
    assert "环评文件编制" in page and "地灾评估" not in page and "未决定的事项" not in page

    second = catalogue.catalogue_publish(
        kind_key="item",
        jurisdiction=county_a,
        by=carol,
        effective_date=DAY + datetime.timedelta(days=31),
        note="年度更新",
    )
    assert second.number == 2
    assert second.added == ["地灾评估（甲区住房和城乡建设局）"]
    assert second.removed == ["环评文件编制（甲区住房和城乡建设局）"]
    assert "新增 1 项：地灾评估" in second.change_note
    assert "删除 1 项：环评文件编制" in second.change_note
    assert "年度更新" in second.change_note

    page = client.get(reverse("catalogue:items") + "?jurisdiction=330102").content.decode()
    assert "地灾评估" in page and "第 2 版" in page
    old = client.get(reverse("catalogue:items") + "?jurisdiction=330102&edition=1")
    assert "环评文件编制" in old.content.decode() and "历史版本" in old.content.decode()
    # Editions are frozen: the first is unchanged.
    first.refresh_from_db()
    assert [e["name"] for e in first.entries] == ["环评文件编制"]


def test_effective_date_cannot_go_back(carol, items, county_a):
    catalogue.catalogue_publish(
        kind_key="item", jurisdiction=county_a, by=carol, effective_date=DAY
    )
    with pytest.raises(ValidationError):
        catalogue.catalogue_publish(
            kind_key="item",
            jurisdiction=county_a,
            by=carol,
            effective_date=DAY - datetime.timedelta(days=1),
        )


@pytest.mark.parametrize("who", ["alice", "ivan", "vera"])
def test_only_admins_publish(request, who, county_a, items):
    with pytest.raises(PermissionDenied):
        catalogue.catalogue_publish(
            kind_key="item",
            jurisdiction=county_a,
            by=request.getfixturevalue(who),
            effective_date=DAY,
        )
    assert CatalogueEdition.objects.count() == 0


def test_admin_outside_scope_cannot_publish(county_a, items):
    from tests.factories import JurisdictionFactory, UserFactory
    from tracker.cases.workflow import Role

    other = JurisdictionFactory(code="340100", name="外市")
    admin = UserFactory(username="oscar", role=Role.ADMIN, jurisdiction=other)
    with pytest.raises(PermissionDenied):
        catalogue.catalogue_publish(
            kind_key="item", jurisdiction=county_a, by=admin, effective_date=DAY
        )


def test_downloads_pdf_and_xlsx(client, carol, items, county_a):
    catalogue.catalogue_publish(
        kind_key="item", jurisdiction=county_a, by=carol, effective_date=DAY
    )
    url = reverse("catalogue:items_download", args=["pdf"]) + "?jurisdiction=330102"
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(response.content))
    assert "环评文件编制" in reader.pages[0].extract_text()
    for page in reader.pages:  # every font embedded: no base-14 Helvetica, no CID STSong
        for font in page["/Resources"].get_object()["/Font"].values():
            font = font.get_object()
            if font.get("/Subtype") == "/Type0":
                font = font["/DescendantFonts"][0].get_object()
            descriptor = font.get("/FontDescriptor")
            assert descriptor is not None, font.get("/BaseFont")
            assert "/FontFile2" in descriptor.get_object(), font.get("/BaseFont")
    url = reverse("catalogue:items_download", args=["xlsx"]) + "?jurisdiction=330102&edition=1"
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(url).content)).active
    assert [c.value for c in sheet[1]][:3] == ["序号", "中介服务事项名称", "涉及的审批事项项目名称"]
    assert sheet.cell(row=2, column=2).value == "环评文件编制"
    assert sheet.cell(row=2, column=5).value == "甲法\n乙条例"


def test_download_without_edition_is_404(client, county_a):
    url = reverse("catalogue:items_download", args=["pdf"]) + "?jurisdiction=330102"
    assert client.get(url).status_code == 404
    assert client.get(reverse("catalogue:items_download", args=["doc"])).status_code == 404


def test_unknown_jurisdiction_or_edition_is_404(client, carol, items, county_a):
    assert client.get(reverse("catalogue:items") + "?jurisdiction=999999").status_code == 404
    catalogue.catalogue_publish(
        kind_key="item", jurisdiction=county_a, by=carol, effective_date=DAY
    )
    base = reverse("catalogue:items") + "?jurisdiction=330102&edition="
    assert client.get(base + "7").status_code == 404
    assert client.get(base + "x").status_code == 404


def test_fee_catalogue(client, alice, carol, county_a, dept_a):
    kept = make_case(
        "fee", county_a, alice, department=dept_a, name="不动产登记费", standard="80元/件"
    )
    decide(kept, alice, "keep")
    suspended = make_case("fee", county_a, alice, department=dept_a, name="停征的费")
    decide(suspended, alice, "suspend")
    cancelled = make_case("fee", county_a, alice, department=dept_a, name="取消的费")
    decide(cancelled, alice, "fee_cancel")
    # One catalogue per fee category (issue 14): the administrative fees' own catalogue, which
    # lists the suspended fee too (marked): it may be collected again.
    catalogue.catalogue_publish(
        kind_key="fee_admin", jurisdiction=county_a, by=carol, effective_date=DAY
    )
    url = reverse("catalogue:fees") + "?category=administrative&jurisdiction=330102"
    page = client.get(url).content.decode()
    assert "不动产登记费" in page and "80元/件" in page and "行政事业性收费目录清单" in page
    assert "停征的费" in page and "取消的费" not in page


def test_public_index_and_chooser_anonymous(carol, items, county_a):
    client = Client()
    catalogue.catalogue_publish(
        kind_key="item", jurisdiction=county_a, by=carol, effective_date=DAY
    )
    index = client.get(reverse("catalogue:index"))
    assert index.status_code == 200 and "甲区" in index.content.decode()
    chooser = client.get(reverse("catalogue:items")).content.decode()
    assert "?jurisdiction=330102" in chooser
    assert client.get(reverse("catalogue:fees")).status_code == 200


def test_public_page_query_count(client, carol, items, county_a, django_assert_max_num_queries):
    catalogue.catalogue_publish(
        kind_key="item", jurisdiction=county_a, by=carol, effective_date=DAY
    )
    with django_assert_max_num_queries(6):
        client.get(reverse("catalogue:items") + "?jurisdiction=330102")


def test_publish_page(client_as, carol, alice, items, county_a):
    client = client_as(carol)
    params = {"kind": "item", "jurisdiction": county_a.pk, "effective_date": "2026-11-30"}
    preview = client.get(reverse("catalogue:publish"), params)
    content = preview.content.decode()
    assert (
        preview.status_code == 200 and "环评文件编制" in content and "未决定的事项" not in content
    )
    response = client.post(reverse("catalogue:publish"), params)
    assert response.status_code == 302
    assert CatalogueEdition.objects.get().number == 1
    assert client_as(alice).get(reverse("catalogue:publish")).status_code == 403
