"""List exports: CSV and XLSX of the current filter, Chinese headers, neutralised cells, logged."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from tests.factories import make_case
from tracker.imports.exports import csv_bytes, neutralise, xlsx_bytes
from tracker.models import AccessLog

pytestmark = pytest.mark.django_db

DANGEROUS = ["=1+2", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_neutralise(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["正常文本", "2026-11-30", 5, -3, None, "a=b"])
def test_neutralise_leaves_safe_values(value):
    assert neutralise(value) == value


def test_csv_and_xlsx_helpers_neutralise():
    rows = [["名称"], *[[v] for v in DANGEROUS]]
    parsed = list(csv.reader(io.StringIO(csv_bytes(rows).decode("utf-8-sig"), newline="")))
    assert [r[0] for r in parsed[1:]] == ["'" + v for v in DANGEROUS]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(rows))).active
    cells = [sheet.cell(row=i, column=1) for i in range(2, len(DANGEROUS) + 2)]
    # XML turns a stored CR into LF on reading: compare up to that.
    assert [c.value.replace("\n", "\r") for c in cells] == ["'" + v for v in DANGEROUS]
    assert all(c.data_type == "s" for c in cells)


@pytest.fixture
def cases(alice, bob, county_a, county_b, dept_a):
    make_case("item", county_a, alice, department=dept_a, name='=HYPERLINK("http://x")')
    make_case("item", county_a, alice, department=dept_a, name="@恶意")
    make_case("fee", county_a, alice, department=dept_a, name="+收费")
    make_case("item", county_b, bob, name="乙区事项")


def test_case_list_csv_export(client_as, alice, cases, django_assert_max_num_queries):
    client = client_as(alice)
    with django_assert_max_num_queries(12):
        response = client.get("/cases/?kind=item&_export=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert rows[0][:4] == ["编号", "名称", "类别", "行政区划"]
    titles = sorted(r[1] for r in rows[1:])
    assert titles == ['\'=HYPERLINK("http://x")', "'@恶意"]  # filtered, scoped, neutralised
    assert all("<a" not in cell for row in rows for cell in row)
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.target, log.file_format, log.row_count) == (
        alice,
        "export",
        "case_list",
        "csv",
        2,
    )
    assert log.query == "kind=item"


def test_case_list_xlsx_export(client_as, alice, cases):
    response = client_as(alice).get("/cases/?_export=xlsx&q=%2B")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=1, column=2).value == "名称"
    assert sheet.max_row == 2
    cell = sheet.cell(row=2, column=2)
    assert cell.value == "'+收费" and cell.data_type == "s"
    log = AccessLog.objects.get()
    assert log.file_format == "xlsx" and log.row_count == 1 and log.query == "q=%2B"


def test_export_headers_are_chinese_in_english_too(client_as, alice, cases):
    client = client_as(alice)
    client.cookies["django_language"] = "en"
    response = client.get("/cases/?_export=csv", HTTP_ACCEPT_LANGUAGE="en")
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[0] == "编号"


def test_scope_applies_to_exports(client_as, bob, cases):
    response = client_as(bob).get("/cases/?_export=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["乙区事项"]


def test_viewer_cannot_export(client_as, vera, cases):
    assert client_as(vera).get("/cases/?_export=csv").status_code == 403
    assert AccessLog.objects.count() == 0


def test_list_page_links_to_exports(client_as, alice, cases):
    content = client_as(alice).get("/cases/?kind=item&page=1").content.decode()
    assert "_export=csv" in content and "_export=xlsx" in content
    assert "page=1&amp;_export" not in content
