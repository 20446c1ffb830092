"""Lists as offices publish them (issue 15): merged cells, section rows, sub-items, title rows,
file-wide defaults; values with units and ranges; lists versus titles containing 、."""

from __future__ import annotations

import decimal
import io

import openpyxl
import pytest
from django.core.management import call_command

from tests.factories import DepartmentFactory
from tests.test_import_support import csv_bytes, preview, run_import, xlsx_bytes
from tracker.imports import services as import_services
from tracker.models import Case, ImportBatch

pytestmark = pytest.mark.django_db

D = decimal.Decimal


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def sheet_bytes(rows, merges=()):
    """An XLSX with merged regions: only the top-left cell of a region holds the value."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for region in merges:
        sheet.merge_cells(region)
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()


def nothing_written():
    assert Case.objects.count() == 0


# --- merged cells --------------------------------------------------------------------------


def test_vertically_merged_department_is_filled_down(alice, county_a, dept_a):
    rows = [
        ["序号", "中介服务事项名称", "审批部门", "处理决定"],
        [1, "事项一", dept_a.name, "保留"],
        [2, "事项二", None, "保留"],
        [3, "事项三", None, "取消"],
        [4, "事项四", None, "保留"],
    ]
    report = preview(sheet_bytes(rows, ["C2:C5"]), alice, county_a)
    assert report.ok, report.errors
    assert [r.case_fields["department"] for r in report.rows] == [dept_a] * 4


def test_horizontally_merged_cells_are_filled_across(alice, county_a, dept_a):
    rows = [
        ["中介服务事项名称", "审批部门", "设定依据", "收费依据"],
        ["事项一", dept_a.name, "国办发〔2015〕31号", None],
    ]
    report = preview(sheet_bytes(rows, ["C2:D2"]), alice, county_a)
    assert report.ok, report.errors
    fields = report.rows[0].subject_fields
    assert fields["legal_basis"] == fields["fee_basis"] == "国办发〔2015〕31号"


def test_merged_title_over_the_header_is_fine(alice, county_a, dept_a):
    rows = [
        ["甲区行政审批中介服务事项清单", None, None],
        ["中介服务事项名称", "审批部门", "处理决定"],
        ["事项一", dept_a.name, "保留"],
    ]
    report = preview(sheet_bytes(rows, ["A1:C1"]), alice, county_a)
    assert report.ok, report.errors
    assert report.header_row == 2


def test_merged_region_spanning_the_header_is_refused(alice, county_a, dept_a):
    rows = [
        ["中介服务事项名称", "审批部门", "处理决定"],
        [None, dept_a.name, "保留"],
        ["事项二", dept_a.name, "保留"],
    ]
    report = preview(sheet_bytes(rows, ["A1:A2"]), alice, county_a)
    assert not report.ok
    assert report.rows == []
    assert "A1:A2" in report.errors[0]["message"]
    assert "表头行" in report.errors[0]["message"]
    assert report.batch.state == ImportBatch.State.REJECTED
    nothing_written()


# --- section rows ----------------------------------------------------------------------------


FEE_HEADER = ["序号", "收费项目名称", "执收部门", "收费标准"]


def test_fee_category_from_section_rows(alice, county_a, dept_a):
    rows = [
        ["甲区涉企收费目录清单"],
        FEE_HEADER,
        ["一、行政事业性收费"],
        [1, "不动产登记费", dept_a.name, "80元/件"],
        [2, "土地复垦费", dept_a.name, "0.5-3元/平方米"],
        ["二、政府性基金"],
        [3, "城市基础设施配套费", dept_a.name, "不超过3"],
        ["注：本目录自公布之日起施行。"],
        ["甲区财政局"],
        ["2026年11月30日"],
    ]
    report = run_import(xlsx_bytes(rows), alice, county_a, kind="fee")
    assert report.committed, report.errors
    fees = {c.title: c.fee_item for c in Case.objects.filter(kind="fee")}
    assert fees["不动产登记费"].fee_kind == "administrative"
    assert fees["土地复垦费"].fee_kind == "administrative"
    assert fees["城市基础设施配套费"].fee_kind == "fund"
    # 执收部门 is the department, not the collecting unit
    assert {c.department for c in Case.objects.all()} == {dept_a}
    assert [s.label for s in report.layout.sections] == [
        "收费类别＝行政事业性收费",
        "收费类别＝政府性基金",
    ]
    assert report.layout.footer == [9, 10]  # 落款 lines after the last row


def test_department_from_numbered_subsections(alice, county_a):
    land = DepartmentFactory(jurisdiction=county_a, name="甲区自然资源和规划局")
    build = DepartmentFactory(jurisdiction=county_a, name="甲区住房和城乡建设局")
    rows = [
        ["序号", "收费项目名称", "收费类别"],
        ["（一）区自然资源局"],
        [1, "不动产登记费", "行政事业性收费"],
        ["（二）区住建局"],
        [2, "城市基础设施配套费", "政府性基金"],
        [3, "白蚁防治费", "政府定价经营服务性收费"],
    ]
    report = preview(xlsx_bytes(rows), alice, county_a, kind="fee")
    assert report.ok, report.errors
    assert [r.case_fields["department"] for r in report.rows] == [land, build, build]
    assert report.rows[0].inherited == {"department": "区自然资源局"}


def test_section_naming_a_column(alice, county_a, dept_a):
    rows = [
        ["中介服务事项名称", "审批部门", "设定依据"],
        ["一、处理决定：取消"],
        ["事项一", dept_a.name, ""],
        ["二、处理决定：保留"],
        ["事项二", dept_a.name, "国办发〔2015〕31号"],
    ]
    report = preview(xlsx_bytes(rows), alice, county_a)
    assert report.ok, report.errors
    assert [r.case_fields["disposition"] for r in report.rows] == ["cancel", "retain"]


def test_section_with_two_cells_numeral_and_name(alice, county_a, dept_a):
    rows = [
        FEE_HEADER,
        ["一", "政府性基金"],
        [1, "城市基础设施配套费", dept_a.name, "30元/平方米"],
    ]
    report = preview(xlsx_bytes(rows), alice, county_a, kind="fee")
    assert report.ok, report.errors
    assert report.rows[0].subject_fields["fee_kind"] == "fund"


def test_section_row_with_no_data_under_it_is_an_error(alice, county_a, dept_a):
    rows = [
        FEE_HEADER,
        ["一、行政事业性收费"],
        ["二、政府性基金"],
        [1, "城市基础设施配套费", dept_a.name, "30元/平方米"],
    ]
    report = run_import(xlsx_bytes(rows), alice, county_a, kind="fee")
    assert not report.committed
    assert [(e["row"], e["message"]) for e in report.errors] == [
        (2, "分节“行政事业性收费”下没有数据行：请删除该行，或在其下填写数据。")
    ]
    nothing_written()


def test_lone_unrecognised_cell_between_rows_is_an_error(alice, county_a, dept_a):
    rows = [
        ["中介服务事项名称", "审批部门"],
        ["事项一", dept_a.name],
        ["说不清的一格"],
        ["事项二", dept_a.name],
    ]
    report = preview(xlsx_bytes(rows), alice, county_a)
    assert [e["row"] for e in report.errors] == [3]
    assert "说不清的一格" in report.errors[0]["message"]


def test_row_value_wins_over_section(alice, county_a, dept_a):
    rows = [
        FEE_HEADER + ["收费类别"],
        ["一、行政事业性收费"],
        [1, "城市基础设施配套费", dept_a.name, "30元/平方米", "政府性基金"],
    ]
    report = preview(xlsx_bytes(rows), alice, county_a, kind="fee")
    assert report.rows[0].subject_fields["fee_kind"] == "fund"


# --- sub-items ---------------------------------------------------------------------------------


def test_sub_item_rows_become_sub_items_of_the_fee_above(alice, county_a, dept_a):
    rows = [
        ["序号", "收费项目名称", "子项", "收费标准", "收费类别", "执收部门"],
        [1, "不动产登记费", None, None, "行政事业性收费", dept_a.name],
        ["(1)", None, "住宅类", "80元/件"],
        ["（2）", None, "非住宅类", "550元/件"],
        [2, "土地复垦费", None, "0.5-3元/平方米", "行政事业性收费", dept_a.name],
    ]
    report = run_import(xlsx_bytes(rows), alice, county_a, kind="fee")
    assert report.committed, report.errors
    assert Case.objects.count() == 2
    fee = Case.objects.get(title="不动产登记费").fee_item
    assert fee.sub_items.splitlines() == ["住宅类：80元/件", "非住宅类：550元/件"]
    assert (fee.amount_min, fee.amount_max, fee.amount_unit) == (D("80"), D("550"), "元/件")


def test_fee_name_merged_over_its_sub_item_rows(alice, county_a, dept_a):
    rows = [
        ["收费项目名称", "子项", "收费标准", "收费类别", "执收部门"],
        ["不动产登记费", "住宅类", "80元/件", "行政事业性收费", dept_a.name],
        [None, "非住宅类", "550元/件", None, None],
    ]
    data = sheet_bytes(rows, ["A2:A3", "D2:D3", "E2:E3"])
    report = preview(data, alice, county_a, kind="fee")
    assert report.ok, report.errors
    assert len(report.rows) == 1
    assert report.rows[0].subject_fields["sub_items"].splitlines() == [
        "住宅类",
        "非住宅类：550元/件",
    ]


def test_sub_item_without_a_fee_above_is_an_error(alice, county_a, dept_a):
    rows = [
        ["序号", "收费项目名称", "子项", "收费类别", "执收部门"],
        ["(1)", None, "住宅类", "行政事业性收费", dept_a.name],
    ]
    report = preview(xlsx_bytes(rows), alice, county_a, kind="fee")
    assert not report.ok
    assert "没有所属的收费项目" in report.errors[0]["message"]


# --- title rows and file-wide defaults ---------------------------------------------------------


def test_fee_category_from_the_title_row(alice, county_a, dept_a):
    rows = [
        ["甲区政府性基金目录清单（2026年版）"],
        ["序号", "收费项目名称", "执收部门"],
        [1, "城市基础设施配套费", dept_a.name],
    ]
    report = preview(xlsx_bytes(rows), alice, county_a, kind="fee")
    assert report.ok, report.errors
    assert report.rows[0].subject_fields["fee_kind"] == "fund"


def test_missing_category_without_title_or_default_is_refused(alice, county_a, dept_a):
    rows = [["序号", "收费项目名称", "执收部门"], [1, "城市基础设施配套费", dept_a.name]]
    report = preview(xlsx_bytes(rows), alice, county_a, kind="fee")
    assert "缺少必需的列：收费类别" in report.errors[0]["message"]


def test_file_wide_default_from_the_page_options(alice, county_a, dept_a):
    rows = [["序号", "收费项目名称", "执收部门"], [1, "城市基础设施配套费", dept_a.name]]
    options = import_services.ImportOptions(defaults={"收费类别": "政府性基金"})
    report = preview(xlsx_bytes(rows), alice, county_a, kind="fee", options=options)
    assert report.ok, report.errors
    assert report.rows[0].subject_fields["fee_kind"] == "fund"
    assert report.batch.defaults == {"收费类别": "政府性基金"}
    # the stored batch re-reads with the same default
    again = import_services.batch_analyse(report.batch, by=alice)
    assert again.rows[0].subject_fields["fee_kind"] == "fund"


def test_default_naming_an_unknown_column_is_refused(alice, county_a, dept_a):
    rows = [["收费项目名称", "执收部门", "收费类别"], ["甲", dept_a.name, "政府性基金"]]
    options = import_services.ImportOptions(defaults={"不存在的列": "x"})
    report = preview(xlsx_bytes(rows), alice, county_a, kind="fee", options=options)
    assert "没有名为“不存在的列”的列" in report.errors[0]["message"]


def test_command_set_option(alice, county_a, dept_a, tmp_path):
    path = tmp_path / "基金.csv"
    path.write_bytes(
        csv_bytes(
            [["收费项目名称", "执收部门"], ["城市基础设施配套费", dept_a.name]], encoding="gbk"
        )
    )
    call_command(
        "import_cases",
        str(path),
        "--kind",
        "fee",
        "--jurisdiction",
        county_a.code,
        "--user",
        alice.username,
        "--set",
        "收费类别=政府性基金",
        "--commit",
    )
    assert Case.objects.get().fee_item.fee_kind == "fund"


def test_command_takes_the_jurisdiction_from_the_title(alice, county_a, dept_a, tmp_path):
    path = tmp_path / "清单.xlsx"
    path.write_bytes(
        xlsx_bytes(
            [
                ["甲区行政审批中介服务事项清单"],
                ["中介服务事项名称", "审批部门"],
                ["事项一", dept_a.name],
            ]
        )
    )
    call_command("import_cases", str(path), "--kind", "item", "--user", alice.username, "--commit")
    assert Case.objects.get().jurisdiction == county_a


# --- values --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell, amount, low, high, unit",
    [
        ("12万元", D("120000.00"), D("120000"), D("120000"), "元"),
        ("１２万元", D("120000.00"), D("120000"), D("120000"), "元"),
        ("1.5亿元", D("150000000.00"), D("150000000"), D("150000000"), "元"),
        ("80元/件", None, D("80"), D("80"), "元/件"),
        ("每吨10元", None, D("10"), D("10"), "元/吨"),
        ("0.5-3元/平方米", None, D("0.5"), D("3"), "元/平方米"),
        ("0.5～3", None, D("0.5"), D("3"), "元"),
        ("不超过3", None, None, D("3"), "元"),
        ("3%", None, D("3"), D("3"), "%"),
        (80, D("80.00"), D("80"), D("80"), "元"),
    ],
)
def test_amounts_with_units_and_ranges(alice, county_a, dept_a, cell, amount, low, high, unit):
    rows = [
        ["收费项目名称", "收费类别", "执收部门", "金额"],
        ["某收费", "行政事业性收费", dept_a.name, cell],
    ]
    report = run_import(xlsx_bytes(rows), alice, county_a, kind="fee")
    assert report.committed, report.errors
    fee = Case.objects.get().fee_item
    assert (fee.amount, fee.amount_min, fee.amount_max, fee.amount_unit) == (
        amount,
        low,
        high,
        unit,
    )


@pytest.mark.parametrize(
    "cell, words", [("约3万", "不是确定的金额"), ("-3", "不能为负数"), ("三块", "无法识别的金额")]
)
def test_bad_amounts_are_row_errors(alice, county_a, dept_a, cell, words):
    rows = [
        ["收费项目名称", "收费类别", "执收部门", "金额"],
        ["某收费", "行政事业性收费", dept_a.name, cell],
    ]
    report = run_import(xlsx_bytes(rows), alice, county_a, kind="fee")
    assert not report.committed
    assert [(e["row"], e["column"]) for e in report.errors] == [(2, "金额")]
    assert words in report.errors[0]["message"]
    nothing_written()


def test_ten_thousand_yuan_in_a_yuan_column_and_in_a_wan_column(alice, county_a, dept_a):
    rows = [
        ["收费项目名称", "收费类别", "执收部门", "年收费额（万元）"],
        ["甲收费", "行政事业性收费", dept_a.name, "12万元"],
        ["乙收费", "行政事业性收费", dept_a.name, "5000元"],
        ["丙收费", "行政事业性收费", dept_a.name, 7],
    ]
    report = preview(xlsx_bytes(rows), alice, county_a, kind="fee")
    assert [r.subject_fields["annual_revenue"] for r in report.rows] == [D("12"), D("0.5"), D("7")]


def test_pay_amount_in_wan_yuan(alice, county_a, dept_a):
    rows = [
        [
            "人员内部编号",
            "姓名",
            "工作单位",
            "职务",
            "职级",
            "人员状态",
            "任职机构名称",
            "任职类型",
            "报酬金额",
        ],
        ["P-1", "张某", "甲区某局", "科员", "乡科级", "在职", "某公司", "董事", "1.2万元"],
    ]
    report = preview(xlsx_bytes(rows), alice, county_a, kind="post")
    assert report.ok, report.errors
    assert report.rows[0].subject_fields["pay_amount"] == D("12000.00")


@pytest.mark.parametrize(
    "cell", ["2026年12月31日", "2026.12.31", "2026/12/31", "２０２６年１２月３１日", 46387]
)
def test_dates_as_offices_write_them(alice, county_a, dept_a, cell):
    rows = [["中介服务事项名称", "审批部门", "完成时限"], ["事项一", dept_a.name, cell]]
    report = preview(xlsx_bytes(rows), alice, county_a)
    assert report.ok, report.errors
    assert report.rows[0].case_fields["deadline"].isoformat() == "2026-12-31"


def test_full_width_punctuation_in_a_gbk_csv(alice, county_a, dept_a):
    rows = [
        ["收费项目名称", "收费类别", "执收部门", "金额"],
        ["某收费，含逗号", "行政事业性收费", dept_a.name, "０．５－３元／平方米"],
    ]
    report = preview(csv_bytes(rows, encoding="gbk"), alice, county_a, kind="fee", name="a.csv")
    assert report.ok, report.errors
    fields = report.rows[0].subject_fields
    assert fields["name"] == "某收费，含逗号"
    assert (fields["amount_min"], fields["amount_max"]) == (D("0.5"), D("3"))


# --- lists and titles with 、 -----------------------------------------------------------------


def test_approval_item_with_a_comma_inside_stays_one(alice, county_a, dept_a):
    rows = [
        ["中介服务事项名称", "审批部门", "涉及的审批事项项目名称"],
        ["环评文件编制", dept_a.name, "建设项目环境影响报告书、报告表审批"],
        ["施工图审查", dept_a.name, "施工许可、竣工验收备案"],
    ]
    report = preview(xlsx_bytes(rows), alice, county_a)
    assert [r.extras["approval_items"] for r in report.rows] == [
        ["建设项目环境影响报告书、报告表审批"],
        ["施工许可", "竣工验收备案"],
    ]


@pytest.mark.parametrize(
    "cell, documents",
    [
        (
            "《中华人民共和国环境影响评价法》第五条、第六条",
            ["《中华人民共和国环境影响评价法》第五条、第六条"],
        ),
        ("《关于“放管服”、简政放权的意见》", ["《关于“放管服”、简政放权的意见》"]),
        ("《甲法》第三条、《乙条例》第五条", ["《甲法》第三条", "《乙条例》第五条"]),
        ("1.《甲法》第三条 2.国办发〔2015〕31号", ["《甲法》第三条", "国办发〔2015〕31号"]),
    ],
)
def test_legal_basis_split_only_between_documents(alice, county_a, dept_a, cell, documents):
    rows = [["中介服务事项名称", "审批部门", "设定依据"], ["事项一", dept_a.name, cell]]
    report = preview(xlsx_bytes(rows), alice, county_a)
    assert report.rows[0].subject_fields["legal_basis"].splitlines() == documents
