"""Reading import files: formats, encodings, header rows and variants, cell values, bad files."""

from __future__ import annotations

import datetime
import io
import zipfile

import openpyxl
import pytest

from tests.factories import DepartmentFactory
from tests.test_import_support import ITEM_HEADER, csv_bytes, item_row, preview, xlsx_bytes
from tracker.cases.validators import credit_code_problems
from tracker.models import Case, ImportBatch

pytestmark = pytest.mark.django_db

NOV30 = datetime.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def only_row(report):
    assert report.ok, report.errors
    assert len(report.rows) == 1
    return report.rows[0]


@pytest.mark.parametrize(
    "name_header, dept_header",
    [
        ("中介服务事项名称", "审批部门"),
        ("名称", "部门"),
        ("事项名称", "审批部门"),
        ("中介服务\n事项名称", "审批\r\n部门"),  # line breaks inside the header cell
        (" 中介服务事项名称 ", "审 批 部 门"),  # spaces
        ("中介服务事项名称（全称）", "审批部门*"),  # remark in brackets, required mark
        ("ＮＡＭＥ", "Ｄｅｐａｒｔｍｅｎｔ"),  # full-width letters
        ("Item name", "Department"),  # English headers
        ("item_name", "DEPARTMENT"),
    ],
)
def test_header_variants(alice, county_a, dept_a, name_header, dept_header):
    rows = [[name_header, dept_header], ["环评文件编制", dept_a.name]]
    row = only_row(preview(xlsx_bytes(rows), alice, county_a))
    assert row.subject_fields["name"] == "环评文件编制"
    assert row.case_fields["department"] == dept_a


def test_full_width_header_in_csv(alice, county_a, dept_a):
    rows = [
        ["序号", "中介服务事项名称", "审批部门", "设定依据（文号）"],
        [1, "甲", dept_a.name, "国办发〔2015〕31号"],
    ]
    row = only_row(preview(csv_bytes(rows), alice, county_a, name="list.csv"))
    assert row.subject_fields["legal_basis"] == "国办发〔2015〕31号"


def test_title_and_notes_rows_are_skipped(alice, county_a, dept_a):
    rows = [
        ["甲区保留的行政审批中介服务事项清单"],
        ["填报单位：甲区审改办", None, None, "2026年11月"],
        ITEM_HEADER,
        item_row(1, "事项一", dept_a.name),
        item_row(2, "事项二", dept_a.name),
        ["注：本清单自公布之日起施行。"],
    ]
    report = preview(xlsx_bytes(rows), alice, county_a)
    assert report.ok, report.errors
    assert report.header_row == 3
    assert [r.number for r in report.rows] == [4, 5]


@pytest.mark.parametrize(
    "cell",
    [
        "2026-11-30",
        "2026/11/30",
        "2026.11.30",
        "2026年11月30日",
        "2026年11月30",
        46356,  # Excel serial date stored as a plain number
        datetime.datetime(2026, 11, 30),  # a real date cell
        "20261130",
    ],
)
def test_date_formats(alice, county_a, dept_a, cell):
    rows = [["中介服务事项名称", "审批部门", "决定日期"], ["甲", dept_a.name, cell]]
    row = only_row(preview(xlsx_bytes(rows), alice, county_a))
    assert row.case_fields["decision_date"] == NOV30


@pytest.mark.parametrize("cell", ["2026-11-31", "明年", "30/11/2026", "1800-01-01"])
def test_bad_dates_are_errors(alice, county_a, dept_a, cell):
    rows = [["中介服务事项名称", "审批部门", "决定日期"], ["甲", dept_a.name, cell]]
    report = preview(xlsx_bytes(rows), alice, county_a)
    assert [(e["row"], e["column"]) for e in report.errors] == [(2, "决定日期")]


@pytest.mark.parametrize(
    "encoding, bom, label",
    [
        ("utf-8", False, "UTF-8"),
        ("utf-8", True, "UTF-8-BOM"),
        ("gbk", False, "GBK"),
    ],
)
def test_csv_encodings(alice, county_a, dept_a, encoding, bom, label):
    rows = [ITEM_HEADER, item_row(1, "建设工程造价咨询", dept_a.name)]
    report = preview(csv_bytes(rows, encoding=encoding, bom=bom), alice, county_a, name="a.csv")
    row = only_row(report)
    assert report.encoding == label
    assert row.subject_fields["name"] == "建设工程造价咨询"


def test_csv_gb18030_only_characters(alice, county_a, dept_a):
    rows = [ITEM_HEADER, item_row(1, "䶮姓文物鉴定", dept_a.name)]
    report = preview(csv_bytes(rows, encoding="gb18030"), alice, county_a, name="a.csv")
    assert report.encoding == "GB18030"
    assert only_row(report).subject_fields["name"] == "䶮姓文物鉴定"


def test_raw_gbk_bytes_with_tabs(alice, county_a, dept_a):
    text = f"中介服务事项名称\t审批部门\r\n地质灾害危险性评估\t{dept_a.name}\r\n"
    report = preview(text.encode("gbk"), alice, county_a, name="导出.txt")
    assert only_row(report).subject_fields["name"] == "地质灾害危险性评估"


def test_legal_basis_split_on_separators(alice, county_a, dept_a):
    basis = "《行政许可法》第二十八条、国办发〔2015〕31号；浙政办发〔2016〕1号;某条例\n某办法"
    rows = [["中介服务事项名称", "审批部门", "设定依据"], ["甲", dept_a.name, basis]]
    row = only_row(preview(xlsx_bytes(rows), alice, county_a))
    assert row.subject_fields["legal_basis"].splitlines() == [
        "《行政许可法》第二十八条",
        "国办发〔2015〕31号",
        "浙政办发〔2016〕1号",
        "某条例",
        "某办法",
    ]


def test_department_by_short_name_and_unknown(alice, county_a):
    dept = DepartmentFactory(
        jurisdiction=county_a, name="甲区自然资源和规划局", short_name="甲区资规局"
    )
    rows = [
        ["中介服务事项名称", "审批部门"],
        ["甲", "甲区资规局"],
        ["乙", "甲区 自然资源和规划局"],
        ["丙", "不存在的局"],
    ]
    report = preview(xlsx_bytes(rows), alice, county_a)
    assert report.rows[0].case_fields["department"] == dept
    assert report.rows[1].case_fields["department"] == dept
    assert report.errors == [
        {
            "row": 4,
            "column": "审批部门",
            "message": "甲区没有名为“不存在的局”的部门（按全称、简称、别名查找）。可在预览中选择部门。",
        }
    ]


def test_department_of_another_jurisdiction_is_unknown(alice, county_a, dept_b):
    rows = [["中介服务事项名称", "审批部门"], ["甲", dept_b.name]]
    report = preview(xlsx_bytes(rows), alice, county_a)
    assert report.errors[0]["column"] == "审批部门"


def test_dispositions_by_chinese_label(alice, county_a, dept_a):
    rows = [
        ["中介服务事项名称", "审批部门", "处理决定"],
        ["甲", dept_a.name, "保留"],
        ["乙", dept_a.name, "改为审批部门委托的技术性服务"],
        ["丙", dept_a.name, "申请人可自行完成或自主选择"],
        ["丁", dept_a.name, "停征"],  # a fee disposition: not for items
    ]
    report = preview(xlsx_bytes(rows), alice, county_a)
    assert [r.case_fields.get("disposition") for r in report.rows[:3]] == [
        "retain",
        "commission",
        "applicant_choice",
    ]
    assert [(e["row"], e["column"]) for e in report.errors] == [(5, "处理决定")]
    assert "停征" in report.errors[0]["message"]


def test_credit_code_checksum_failure_is_a_warning(alice, county_a, dept_a):
    bad = "91350200776049653B"
    assert credit_code_problems(bad)
    rows = [
        ["机构名称", "统一社会信用代码", "机构类型", "主管/挂靠机关", "挂靠关系"],
        ["某咨询公司", bad, "企业", dept_a.name, "挂靠"],
    ]
    report = preview(xlsx_bytes(rows), alice, county_a, kind="firm")
    assert report.ok and not report.can_commit  # not an error, but it blocks until accepted
    assert [(w["row"], w["code"], w["column"]) for w in report.warnings] == [
        (2, "credit_checksum", "统一社会信用代码")
    ]
    assert "校验位" in report.warnings[0]["message"]


def test_malformed_credit_code_is_an_error(alice, county_a, dept_a):
    rows = [
        ["机构名称", "统一社会信用代码", "机构类型", "主管/挂靠机关", "挂靠关系"],
        ["某咨询公司", "91350200776049653", "企业", dept_a.name, "挂靠"],
    ]
    report = preview(xlsx_bytes(rows), alice, county_a, kind="firm")
    assert [(e["row"], e["column"]) for e in report.errors] == [(2, "统一社会信用代码")]
    assert "18 位" in report.errors[0]["message"]


def _file_error(report) -> str:
    assert not report.ok
    assert report.rows == []
    assert len(report.errors) == 1 and report.errors[0]["row"] is None
    return report.errors[0]["message"]


def _nothing_written():
    assert Case.objects.count() == 0


def test_corrupt_xlsx(alice, county_a):
    good = xlsx_bytes([ITEM_HEADER])
    corrupt = good[: len(good) // 2]
    report = preview(corrupt, alice, county_a, name="清单.xlsx")
    assert "已损坏" in _file_error(report)
    assert ImportBatch.objects.get().state == ImportBatch.State.REJECTED
    _nothing_written()


def test_xlsx_extension_but_text_content(alice, county_a):
    report = preview(b"just text", alice, county_a, name="清单.xlsx")
    assert "已损坏" in _file_error(report)


def test_zip_that_is_not_a_workbook(alice, county_a):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    report = preview(buf.getvalue(), alice, county_a, name="清单.xlsx")
    assert "已损坏" in _file_error(report)


def test_empty_file(alice, county_a):
    assert _file_error(preview(b"", alice, county_a, name="a.csv")) == "文件为空。"
    _nothing_written()


def test_blank_sheet(alice, county_a):
    assert "没有任何内容" in _file_error(preview(xlsx_bytes([]), alice, county_a))


def test_header_only(alice, county_a):
    message = _file_error(preview(xlsx_bytes([ITEM_HEADER]), alice, county_a))
    assert message == "文件只有表头，没有数据行。"
    # A pre-numbered template (序号 filled, nothing else) is also header-only.
    rows = [ITEM_HEADER, [1], [2], [3]]
    assert "只有表头" in _file_error(preview(xlsx_bytes(rows), alice, county_a))
    _nothing_written()


@pytest.mark.parametrize(
    "name, data, words",
    [
        ("scan.pdf", b"%PDF-1.4 ...", "不支持的文件类型"),
        ("photo.png", b"\x89PNG\r\n\x1a\n....", "不支持的文件类型"),
        ("list.docx", b"PK\x03\x04....", "不支持的文件类型"),
        ("list.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1....", ".xls"),
        ("noext", b"\x00\x01\x02binary", "不支持的文件类型"),
    ],
)
def test_wrong_file_type(alice, county_a, name, data, words):
    assert words in _file_error(preview(data, alice, county_a, name=name))
    _nothing_written()


def test_missing_required_column(alice, county_a, dept_a):
    rows = [["序号", "中介服务事项名称", "设定依据"], [1, "甲", "某依据"]]
    message = _file_error(preview(xlsx_bytes(rows), alice, county_a))
    assert "缺少必需的列：审批部门" in message


def test_no_recognisable_header(alice, county_a):
    rows = [["甲", "乙"], ["丙", "丁"]]
    assert "找不到表头行" in _file_error(preview(xlsx_bytes(rows), alice, county_a))


def test_duplicate_columns_are_refused(alice, county_a, dept_a):
    rows = [["名称", "事项名称", "审批部门"], ["甲", "乙", dept_a.name]]
    assert "含义相同" in _file_error(preview(xlsx_bytes(rows), alice, county_a))


def test_unknown_columns_are_listed_and_ignored(alice, county_a, dept_a):
    rows = [["中介服务事项名称", "审批部门", "所属科室"], ["甲", dept_a.name, "12345"]]
    report = preview(xlsx_bytes(rows), alice, county_a)
    assert report.ok
    assert report.unknown_headers == ["所属科室"]


def test_required_cell_empty(alice, county_a, dept_a):
    rows = [ITEM_HEADER, item_row(1, None, dept_a.name), item_row(2, "乙", None)]
    report = preview(xlsx_bytes(rows), alice, county_a)
    assert [(e["row"], e["column"], e["message"]) for e in report.errors] == [
        (2, "中介服务事项名称", "必填项为空。"),
        (3, "审批部门", "必填项为空。"),
    ]


def test_too_long_value(alice, county_a, dept_a):
    rows = [["中介服务事项名称", "审批部门"], ["长" * 301, dept_a.name]]
    report = preview(xlsx_bytes(rows), alice, county_a)
    assert report.errors[0]["column"] == "中介服务事项名称"
    assert "最多 300 个字" in report.errors[0]["message"]


def test_size_limit(alice, county_a, settings):
    from tracker.imports.services import ImportRefused

    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(ImportRefused, match="文件过大"):
        preview(b"x" * 101, alice, county_a, name="a.csv")
    assert ImportBatch.objects.count() == 0


def test_row_limit(alice, county_a, dept_a, settings):
    settings.IMPORT_MAX_ROWS = 3
    rows = [ITEM_HEADER] + [item_row(i, f"事项{i}", dept_a.name) for i in range(4)]
    assert "超过上限：最多 3 行" in _file_error(preview(xlsx_bytes(rows), alice, county_a))
    ok = [ITEM_HEADER] + [item_row(i, f"事项{i}", dept_a.name) for i in range(3)]
    assert preview(xlsx_bytes(ok), alice, county_a).ok


def test_workbook_with_wrong_stored_dimensions(alice, county_a, dept_a):
    """A sheet whose stored size is wrong is still read in full (the fast and slow readers)."""
    data = xlsx_bytes([ITEM_HEADER, item_row(1, "事项一", dept_a.name)])
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b'<dimension ref="A1:F2"/>', b'<dimension ref="A1"/>')
            dst.writestr(info, content)
    assert only_row(preview(buf.getvalue(), alice, county_a)).subject_fields["name"] == "事项一"


def test_inline_strings_and_formula_results(alice, county_a, dept_a):
    """Cells written as inline strings, booleans and cached formula values are read."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>中介服务事项名称</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>审批部门</t></is></c>'
        '<c r="C1" t="inlineStr"><is><t>决定日期</t></is></c></row>'
        f'<row r="2"><c r="A2" t="str"><f>A1</f><v>公式事项</v></c>'
        f'<c r="B2" t="inlineStr"><is><t>{dept_a.name}</t></is></c><c r="C2"><v>46356</v></c></row>'
        "</sheetData></worksheet>"
    )
    template = xlsx_bytes([["x"]])
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(template)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = sheet.encode()
            dst.writestr(info, content)
    row = only_row(preview(buf.getvalue(), alice, county_a))
    assert row.subject_fields["name"] == "公式事项"
    assert row.case_fields["decision_date"] == NOV30


def test_openpyxl_reads_the_same_as_the_fast_reader(alice, county_a, dept_a):
    from tracker.imports import engine as importing

    rows = [ITEM_HEADER, item_row(1, "事项一", dept_a.name), [2, 3.5, None, True, "x", None]]
    data = xlsx_bytes(rows)
    fast = importing._read_xlsx_fast(data, 100)
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    slow = [list(r) for r in workbook.active.iter_rows(values_only=True)]
    assert [
        cells + [None] * (len(slow[i]) - len(cells)) for i, (_n, cells) in enumerate(fast.rows)
    ] == slow


def test_chinese_headers_and_labels_work_for_an_english_user(alice, county_a, dept_a):
    from django.utils import translation

    rows = [
        ["中介服务事项名称", "审批部门", "处理决定"],
        ["甲", dept_a.name, "保留"],
        ["乙", dept_a.name, "Retain"],  # the English label works too
    ]
    with translation.override("en"):
        report = preview(xlsx_bytes(rows), alice, county_a)
    assert not report.errors, report.errors
    assert [r.case_fields.get("disposition") for r in report.rows] == ["retain", "retain"]
