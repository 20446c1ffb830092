"""Catalogues as offices publish them (issue 14): one fee catalogue per category listing every
fee still collectable (保留, 降低标准 with the new standard, 免征 and 停征 marked), the item
catalogue with 申请人可自行完成 items marked and commissioned items in their own list, the
edition's effective date, editions numbered per catalogue, editions from before the split
still rendering, public pages and downloads that read back."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from fees.models import FeeDisposition, FeeKind
from fees.report import FEE_REMOVED
from tests.factories import IntermediaryFirmFactory, make_case
from tracker.cases.services import Decision, case_transition, milestone_complete
from tracker.cases.workflow import Status
from tracker.catalogue import services as catalogue
from tracker.catalogue.views import PublishForm
from tracker.models import CatalogueEdition

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()
DECIDED_ON = TODAY - datetime.timedelta(days=20)
STOPPED_ON = TODAY - datetime.timedelta(days=5)
EFFECTIVE = datetime.date(2027, 1, 1)
DOC = "某政发〔2026〕9号"


def decide(case, by, disposition: str):
    case = case_transition(case=case, to=Status.UNDER_REVIEW, by=by, reason="核查")
    return case_transition(
        case=case,
        to=Status.DECIDED,
        by=by,
        reason="决定",
        decision=Decision(disposition, DOC, DECIDED_ON),
    )


def publish(kind_key, county, by, effective=EFFECTIVE):
    return catalogue.catalogue_publish(
        kind_key=kind_key, jurisdiction=county, by=by, effective_date=effective
    )


def names(edition, list_key=None):
    return sorted(e["name"] for e in edition.entries if list_key in (None, e["list"]))


# The expected table, written out: which fee kind goes to which catalogue, which dispositions
# a catalogue lists.
CATALOGUE_OF_FEE_KIND = {
    "administrative": "fee_admin",
    "fund": "fee_fund",
    "gov_priced": "fee_priced",
    "intermediary": "fee_priced",
}
LISTED = {"keep", "reduce", "exempt", "suspend"}
NOT_LISTED = {"fee_cancel", "transfer_out", "market"}


def test_every_fee_kind_and_disposition_has_one_place():
    assert set(CATALOGUE_OF_FEE_KIND) == set(FeeKind.values)
    assert LISTED | NOT_LISTED == set(FeeDisposition.values) and not LISTED & NOT_LISTED
    # The catalogue and the monthly report agree on what takes a fee out of the catalogue.
    assert set(FEE_REMOVED) == NOT_LISTED
    for fee_kind, key in CATALOGUE_OF_FEE_KIND.items():
        spec = catalogue.spec_for(key)
        assert spec.subject_filter["fee_kind__in"].count(fee_kind) == 1
        assert set(spec.dispositions) == LISTED
    assert {s.key for s in catalogue.publishable_specs()} == {
        "item",
        "fee_admin",
        "fee_fund",
        "fee_priced",
    }


def test_each_fee_catalogue_lists_its_collectable_fees(alice, carol, county_a, dept_a):
    for fee_kind in FeeKind.values:
        for disposition in FeeDisposition.values:
            case = make_case(
                "fee",
                county_a,
                alice,
                department=dept_a,
                name=f"{fee_kind}-{disposition}",
                fee_kind=fee_kind,
            )
            decide(case, alice, disposition)
    undecided = make_case(
        "fee", county_a, alice, department=dept_a, name="administrative-undecided"
    )
    undecided.disposition = "keep"  # proposed, never decided: never published
    undecided.save()
    for key in ("fee_admin", "fee_fund", "fee_priced"):
        edition = publish(key, county_a, carol)
        expected = sorted(
            f"{fee_kind}-{d}"
            for fee_kind, k in CATALOGUE_OF_FEE_KIND.items()
            if k == key
            for d in sorted(LISTED)
        )
        assert names(edition) == expected, key
        assert edition.number == 1


def test_withdrawn_fee_leaves_the_catalogue(alice, carol, county_a, dept_a):
    from tests.factories import withdraw

    case = decide(
        make_case("fee", county_a, alice, department=dept_a, name="撤回的费"), alice, "keep"
    )
    withdraw(case, alice)
    assert publish("fee_admin", county_a, carol).entries == []


@pytest.fixture
def fees(alice, county_a, dept_a):
    made = {
        "keep": make_case(
            "fee", county_a, alice, department=dept_a, name="保留的费", standard="80元/件"
        ),
        "reduce": make_case(
            "fee",
            county_a,
            alice,
            department=dept_a,
            name="降标的费",
            amount=Decimal("80.00"),
            amount_after=Decimal("60.00"),
            amount_unit="元/件",
        ),
        "reduce_unknown": make_case(
            "fee", county_a, alice, department=dept_a, name="未填新标准的费", standard="每件10元"
        ),
        "exempt": make_case(
            "fee", county_a, alice, department=dept_a, name="免征的费", payer_scope="小微企业"
        ),
        "suspend": make_case("fee", county_a, alice, department=dept_a, name="停征的费"),
        "suspend_unknown": make_case(
            "fee", county_a, alice, department=dept_a, name="未停止收费的停征费"
        ),
    }
    for key, case in made.items():
        made[key] = decide(case, alice, key.split("_")[0])
    stopped = made["suspend"].milestones.get(code="stopped")
    milestone_complete(milestone=stopped, by=alice, effective_date=STOPPED_ON, doc_no="停征通知")
    return made


def by_name(edition) -> dict[str, dict]:
    return {e["name"]: e for e in edition.entries}


def test_markings_new_standard_exempt_group_and_suspension_period(fees, carol, county_a):
    entries = by_name(publish("fee_admin", county_a, carol))
    assert entries["保留的费"]["mark"] == "" and entries["保留的费"]["remark"] == ""
    assert entries["保留的费"]["standard"] == "80元/件"

    reduced = entries["降标的费"]
    assert reduced["mark"] == "降低标准"
    assert reduced["standard"] == "60元/件"  # the new standard is what is collected
    assert reduced["remark"] == f"降低标准：由 80元/件 降为 60元/件（{DOC}）"
    unknown = entries["未填新标准的费"]
    assert unknown["standard"] == "" and "新标准未填报" in unknown["remark"]

    exempt = entries["免征的费"]
    assert exempt["mark"] == "免征"
    assert exempt["remark"] == f"免征：免征对象为小微企业（{DOC}）"

    suspended = entries["停征的费"]
    assert suspended["mark"] == "停征"
    assert suspended["remark"] == f"停征：自 {STOPPED_ON.isoformat()} 起暂停征收（{DOC}）"
    assert "期间以处理决定为准" in entries["未停止收费的停征费"]["remark"]


def test_fee_page_shows_marks_and_the_editions_effective_date(client, fees, carol, county_a):
    publish("fee_admin", county_a, carol)
    url = reverse("catalogue:fees") + "?category=administrative&jurisdiction=330102"
    page = Client().get(url)  # the public: no login
    assert page.status_code == 200
    content = page.content.decode()
    assert "生效日期 2027-01-01" in content
    assert DECIDED_ON.isoformat() not in content  # never a case's decision date
    for mark in ("降低标准", "免征", "停征"):
        assert f'<span class="badge">{mark}</span>' in content
    # Phone width: the table scrolls inside its wrapper.
    assert '<div class="table-scroll"><table class="table catalogue" id="catalogue">' in content
    assert '<div class="table-scroll"><table class="table" id="editions">' in content
    assert "table.catalogue { min-width:" in content  # scrolls rather than squeezing its columns


def test_fund_and_service_catalogues_have_their_own_columns(alice, carol, county_a, dept_a):
    fund = make_case("fee", county_a, alice, department=dept_a, name="水利基金", fee_kind="fund")
    priced = make_case(
        "fee", county_a, alice, department=dept_a, name="审图费", fee_kind="intermediary"
    )
    decide(fund, alice, "keep")
    decide(priced, alice, "keep")
    client = Client()
    publish("fee_fund", county_a, carol)
    publish("fee_priced", county_a, carol)
    page = client.get(reverse("catalogue:fees") + "?category=fund&jurisdiction=330102")
    content = page.content.decode()
    assert "政府性基金目录清单" in content and "基金名称" in content and "水利基金" in content
    assert "审图费" not in content
    page = client.get(reverse("catalogue:fees") + "?category=service&jurisdiction=330102")
    content = page.content.decode()
    assert "经营服务性收费目录清单" in content and "中介服务收费" in content
    assert "资金管理方式" not in content and "水利基金" not in content


def test_editions_numbered_per_catalogue(fees, alice, carol, county_a, dept_a):
    first = publish("fee_admin", county_a, carol)
    fund = publish("fee_fund", county_a, carol)
    assert (first.number, fund.number) == (1, 1)
    extra = make_case("fee", county_a, alice, department=dept_a, name="新增的费")
    decide(extra, alice, "exempt")
    second = publish("fee_admin", county_a, carol, EFFECTIVE + datetime.timedelta(days=1))
    assert second.number == 2 and second.added == ["新增的费（甲区住房和城乡建设局）"]
    assert "新增 1 项：新增的费" in second.change_note
    assert publish("fee_fund", county_a, carol).number == 2
    assert catalogue.editions_for("fee_priced", county_a) == []
    # The fund catalogue's effective date does not hold the administrative one back.
    with pytest.raises(ValidationError):
        publish("fee_admin", county_a, carol, EFFECTIVE)


def test_the_single_fee_catalogue_is_no_longer_published(carol, county_a, fees):
    with pytest.raises(ValidationError):
        publish("fee", county_a, carol)
    choices = {value for value, _label in PublishForm(user=carol).fields["kind"].choices}
    assert choices == {"item", "fee_admin", "fee_fund", "fee_priced"}
    assert not CatalogueEdition.objects.exists()


@pytest.fixture
def items(alice, county_a, dept_a):
    firm = IntermediaryFirmFactory(
        jurisdiction=county_a, name="甲区检测中心", qualifications="检验检测机构资质认定"
    )
    specs = {
        "retain": {
            "name": "保留的事项",
            "provider_firm": firm,
            "provider_nature": "institution",
            "time_limit": "20个工作日",
            "fee_basis": "本市价格文件",
            "fee_standard": "按建筑面积计收",
            "pricing": "government",
        },
        "applicant_choice": {"name": "可自行完成的事项", "time_limit": "10个工作日"},
        "commission": {
            "name": "委托的事项",
            "provider": "具备能力的技术服务机构",
            "provider_nature": "enterprise",
            "pricing": "free",
        },
        "cancel": {"name": "取消的事项"},
        "not_intermediary": {"name": "不属于中介服务的事项"},
    }
    made = {}
    for disposition, fields in specs.items():
        case = make_case("item", county_a, alice, department=dept_a, **fields)
        made[disposition] = decide(case, alice, disposition)
    return made


def test_item_catalogue_lists_and_columns(items, carol, county_a):
    edition = publish("item", county_a, carol)
    assert names(edition, "main") == ["保留的事项", "可自行完成的事项"]
    assert names(edition, "commission") == ["委托的事项"]
    entries = by_name(edition)
    kept = entries["保留的事项"]
    assert kept["mark"] == "" and kept["remark"] == ""
    assert kept["time_limit"] == "20个工作日"
    assert kept["provider"] == "甲区检测中心"
    assert kept["provider_nature"] == ["事业单位", "资质：检验检测机构资质认定"]
    assert kept["fee"] == ["收费依据：本市价格文件", "收费标准：按建筑面积计收", "政府定价"]
    choice = entries["可自行完成的事项"]
    assert choice["mark"] == "申请人可自行完成" and "自行完成" in choice["remark"]
    commissioned = entries["委托的事项"]
    assert commissioned["fee"] == ["不收费"] and "审批部门委托" in commissioned["remark"]
    assert commissioned["provider_nature"] == ["企业"]


def test_item_page_sections(items, carol, county_a):
    publish("item", county_a, carol)
    content = Client().get(reverse("catalogue:items") + "?jurisdiction=330102").content.decode()
    assert "一、保留的行政审批中介服务事项" in content
    assert "二、改为审批部门委托的技术性服务事项" in content
    assert '<table class="table catalogue" id="catalogue-commission">' in content
    for header in ("服务时限", "收费依据及标准", "机构性质/资质", "备注"):
        assert f"<th>{header}</th>" in content
    assert '<span class="badge">申请人可自行完成</span>' in content
    assert "取消的事项" not in content and "不属于中介服务的事项" not in content
    assert "共 3 项" in content


def fonts_embedded(reader: PdfReader) -> None:
    for page in reader.pages:  # every font embedded: no base-14 Helvetica, no CID STSong
        for font in page["/Resources"].get_object()["/Font"].values():
            font = font.get_object()
            if font.get("/Subtype") == "/Type0":
                font = font["/DescendantFonts"][0].get_object()
            descriptor = font.get("/FontDescriptor")
            assert descriptor is not None, font.get("/BaseFont")
            assert "/FontFile2" in descriptor.get_object(), font.get("/BaseFont")


def test_item_downloads_read_back(items, carol, county_a):
    publish("item", county_a, carol)
    client = Client()
    base = "?jurisdiction=330102&edition=1"
    response = client.get(reverse("catalogue:items_download", args=["pdf"]) + base)
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    for expected in ("改为审批部门委托的技术性服务事项", "委托的事项", "可自行完成的事项"):
        assert expected in text
    fonts_embedded(reader)
    response = client.get(reverse("catalogue:items_download", args=["xlsx"]) + base)
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    main, commission = book.worksheets
    assert [c.value for c in main[1]] == [
        "序号",
        "中介服务事项名称",
        "涉及的审批事项项目名称",
        "审批部门",
        "设定依据",
        "中介服务实施机构",
        "机构性质/资质",
        "服务时限",
        "收费依据及标准",
        "备注",
    ]
    assert [main.cell(row=r, column=2).value for r in (2, 3)] == ["保留的事项", "可自行完成的事项"]
    assert main.cell(row=2, column=7).value == "事业单位\n资质：检验检测机构资质认定"
    assert commission.cell(row=2, column=2).value == "委托的事项"
    assert commission.max_row == 2


def test_fee_downloads_read_back(fees, carol, county_a):
    publish("fee_admin", county_a, carol)
    client = Client()
    base = "?category=administrative&jurisdiction=330102"
    response = client.get(reverse("catalogue:fees_download", args=["xlsx"]) + base)
    assert response.status_code == 200
    assert "catalogue-fees-administrative-330102-v1.xlsx" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "行政事业性收费目录清单"
    rows = {row[1]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    header = [c.value for c in sheet[1]]
    assert rows["降标的费"][header.index("收费标准")] == "60元/件"
    assert rows["免征的费"][header.index("备注")].startswith("免征：免征对象为小微企业")
    response = client.get(reverse("catalogue:fees_download", args=["pdf"]) + base)
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "行政事业性收费目录清单" in text and "停征" in text and "60元/件" in text
    fonts_embedded(reader)


LEGACY_FEE_ENTRY = {
    "key": "330102-FEE-2025-0007",
    "name": "旧版不动产登记费",
    "fee_kind": "行政事业性收费",
    "department": "甲区住房和城乡建设局",
    "collecting_unit": "甲区不动产登记中心",
    "legal_basis": ["甲法"],
    "standard": "80元/件",
    "revenue_handling": "缴入地方国库",
    "effective_date": "2026-06-30",
}
LEGACY_ITEM_ENTRY = {
    "key": "330102-ITEM-2025-0007",
    "name": "旧版环评文件编制",
    "approval_items": "环评审批",
    "department": "甲区住房和城乡建设局",
    "legal_basis": ["甲法", "乙条例"],
    "provider": "某机构",
    "standard": "按合同约定",
    "effective_date": "2026-06-30",
}


def legacy_edition(kind, entry, county, by):
    return CatalogueEdition.objects.create(
        kind=kind,
        jurisdiction=county,
        number=1,
        title="甲区旧版目录",
        effective_date=datetime.date(2026, 7, 1),
        entries=[entry],
        published_by=by,
        sha256=catalogue.snapshot_sha256([entry]),
    )


def test_fee_editions_from_before_the_split_still_render(carol, county_a):
    legacy_edition("fee", LEGACY_FEE_ENTRY, county_a, carol)
    client = Client()
    for query in ("?jurisdiction=330102", "?jurisdiction=330102&edition=1"):  # the old links
        page = client.get(reverse("catalogue:fees") + query)
        assert page.status_code == 200
        content = page.content.decode()
        assert "甲区旧版目录" in content and "旧版不动产登记费" in content
        assert "<th>决定日期</th>" in content and "2026-06-30" in content
        assert "此目录已按收费类别拆分为" in content
        assert "?category=fund&amp;jurisdiction=330102" in content
    response = client.get(
        reverse("catalogue:fees_download", args=["xlsx"]) + "?jurisdiction=330102"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]][:3] == ["序号", "收费项目名称", "收费类别"]
    assert sheet.cell(row=2, column=2).value == "旧版不动产登记费"
    response = client.get(reverse("catalogue:fees_download", args=["pdf"]) + "?jurisdiction=330102")
    assert "旧版不动产登记费" in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    # The index lists the old catalogue (it was published) beside the three new ones.
    index = client.get(reverse("catalogue:index")).content.decode()
    assert "行政事业性收费和政府性基金目录清单（拆分前）" in index


def test_item_editions_from_before_the_lists_render_and_the_next_one_says_so(
    items, carol, county_a
):
    edition = legacy_edition("item", LEGACY_ITEM_ENTRY, county_a, carol)
    # The retained case was in the old edition too, under the old columns.
    still = {**LEGACY_ITEM_ENTRY, "key": items["retain"].reference, "name": "保留的事项"}
    CatalogueEdition.objects.filter(pk=edition.pk).update(
        entries=[LEGACY_ITEM_ENTRY, still],
        sha256=catalogue.snapshot_sha256([LEGACY_ITEM_ENTRY, still]),
    )
    old = Client().get(reverse("catalogue:items") + "?jurisdiction=330102").content.decode()
    assert "旧版环评文件编制" in old and "<th>决定日期</th>" in old and "甲法<br>乙条例" in old
    assert "<th>服务时限</th>" not in old
    edition = publish("item", county_a, carol)
    assert edition.number == 2
    assert "删除 1 项：旧版环评文件编制" in edition.change_note
    assert "新增 2 项：可自行完成的事项（甲区住房和城乡建设局）、委托的事项" in edition.change_note
    # New columns are not new content: the retained item is not listed as changed.
    assert "本版起按新版式发布" in edition.change_note and "内容调整" not in edition.change_note
    page = Client().get(reverse("catalogue:items") + "?jurisdiction=330102&edition=1")
    assert "旧版环评文件编制" in page.content.decode()


def test_fee_page_without_category_offers_the_three_catalogues(fees, carol, county_a):
    publish("fee_fund", county_a, carol)
    client = Client()
    content = client.get(reverse("catalogue:fees")).content.decode()
    for title in ("行政事业性收费目录清单", "政府性基金目录清单", "经营服务性收费目录清单"):
        assert title in content
    assert "拆分前" not in content  # never published here: not offered
    assert "?category=fund&amp;jurisdiction=330102" in content
    by_place = client.get(reverse("catalogue:fees") + "?jurisdiction=330102").content.decode()
    assert "?category=fund&amp;jurisdiction=330102" in by_place
    assert "该行政区划尚未发布此目录" in by_place  # the other two
    index = client.get(reverse("catalogue:index")).content.decode()
    assert "政府性基金目录清单" in index and "?category=fund&amp;jurisdiction=330102" in index
    assert client.get(reverse("catalogue:fees") + "?category=other").status_code == 404
    url = reverse("catalogue:fees_download", args=["pdf"]) + "?category=service&jurisdiction=330102"
    assert client.get(url).status_code == 404  # nothing published in that one


def test_publish_page_redirects_to_the_category_page(client_as, carol, county_a, fees):
    client = client_as(carol)
    params = {"kind": "fee_admin", "jurisdiction": county_a.pk, "effective_date": "2027-01-01"}
    preview = client.get(reverse("catalogue:publish"), params).content.decode()
    assert "降标的费" in preview and '<table class="table catalogue" id="draft">' in preview
    response = client.post(reverse("catalogue:publish"), params)
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("catalogue:fees") + "?category=administrative&jurisdiction=330102&edition=1"
    )
    assert CatalogueEdition.objects.get().kind == "fee_admin"


def test_category_page_query_count(fees, carol, county_a, django_assert_max_num_queries):
    publish("fee_admin", county_a, carol)
    url = reverse("catalogue:fees") + "?category=administrative&jurisdiction=330102"
    with django_assert_max_num_queries(6):
        assert Client().get(url).status_code == 200


def test_live_entries_query_count(fees, county_a, django_assert_num_queries):
    with django_assert_num_queries(2):  # the cases with their fees, the stopped milestones
        assert len(catalogue.live_entries("fee_admin", county_a)) == 6
