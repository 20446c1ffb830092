"""Hostile spreadsheets (issue 19, finding 2): zip bombs and giant shared strings are refused
before they are parsed, or as soon as a streamed count passes its limit, through the real
import preview, with the memory growth of the call measured here (peak RSS, VmHWM)."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from tests.test_import_support import ITEM_HEADER, item_row, preview, xlsx_bytes
from tracker.models import Case, ImportBatch

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
RSS_BUDGET = 200 * MB

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b"</Types>"
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/sharedStrings" Target="sharedStrings.xml"/>'
    b"</Relationships>"
)
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
SST_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _stream(archive: zipfile.ZipFile, name: str, head: bytes, chunk: bytes, size: int, tail: bytes):
    """Write ``name`` as head + chunk repeated to ``size`` bytes + tail, without holding it."""
    with archive.open(name, "w", force_zip64=True) as fh:
        fh.write(head)
        written = 0
        while written < size:
            fh.write(chunk)
            written += len(chunk)
        fh.write(tail)


def hostile_xlsx(
    *,
    sheet: bytes = b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>',
    sheet_chunk: bytes = b"",
    sheet_size: int = 0,
    sheet_tail: bytes = b"",
    strings: bytes = b"<si><t>x</t></si>",
    string_chunk: bytes = b"",
    string_size: int = 0,
    string_tail: bytes = b"",
    extra_members: int = 0,
) -> bytes:
    """A minimal valid .xlsx; the sheet and/or shared strings can be inflated, streamed."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", RELS)
        _stream(
            archive,
            "xl/worksheets/sheet1.xml",
            SHEET_HEAD + sheet,
            sheet_chunk,
            sheet_size,
            sheet_tail + b"</worksheet>",
        )
        _stream(
            archive,
            "xl/sharedStrings.xml",
            SST_HEAD + strings,
            string_chunk,
            string_size,
            string_tail + b"</sst>",
        )
        for i in range(extra_members):
            archive.writestr(f"xl/media/pad{i}.xml", b"<a/>")
    return buf.getvalue()


DATA_ROW = b'<row><c t="inlineStr"><is><t>x</t></is></c><c><v>1</v></c></row>'
BLANK_ROW = b'<row><c s="1"/><c s="1"/><c s="1"/><c s="1"/></row>'  # styled, empty cells


def sheet_bomb(size: int, row: bytes = DATA_ROW) -> bytes:
    """``size`` bytes of rows after a header row."""
    return hostile_xlsx(
        sheet=b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>',
        sheet_chunk=row * 4000,
        sheet_size=size,
        sheet_tail=b"</sheetData>",
    )


def string_bomb(size: int) -> bytes:
    """One shared string of ``size`` characters."""
    return hostile_xlsx(
        strings=b"<si><t>",
        string_chunk=b"A" * 65536,
        string_size=size,
        string_tail=b"</t></si>",
    )


def _status(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise AssertionError(field)


def measured_preview(data: bytes, alice, county_a, name: str = "炸弹.xlsx"):
    """The real preview, and the growth of this process's peak RSS during the call."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # reset VmHWM (the peak) to the current RSS
    before = _status("VmRSS")
    report = preview(data, alice, county_a, name=name)
    growth = _status("VmHWM") - before
    print(f"{name}: {len(data) / MB:.2f} MB file, peak RSS growth {growth / MB:.1f} MB")
    return report, growth


def refused(report, text: str) -> None:
    assert not report.ok
    assert any(text in str(e) for e in report.file_errors), report.file_errors
    assert Case.objects.count() == 0
    assert ImportBatch.objects.get().state == ImportBatch.State.REJECTED


def built(builder, *args) -> bytes:
    started = time.perf_counter()
    data = builder(*args)
    print(f"built {builder.__name__}{args} in {time.perf_counter() - started:.1f} s")
    return data


# --- the two files of the issue ------------------------------------------------------------


def test_a_sheet_inflating_to_1_5_gb_is_refused_before_parsing(alice, county_a):
    data = built(sheet_bomb, 1536 * MB)
    assert len(data) < 10 * MB
    report, growth = measured_preview(data, alice, county_a)
    refused(report, "文件解压后过大（超过 150 MB），可能是压缩炸弹，已拒绝。")
    assert growth <= RSS_BUDGET


def test_one_600_mb_shared_string_is_refused_before_parsing(alice, county_a):
    data = built(string_bomb, 600 * MB)
    assert len(data) < MB
    report, growth = measured_preview(data, alice, county_a)
    refused(report, "可能是压缩炸弹")
    assert growth <= RSS_BUDGET


# --- the streamed limits hold on their own (the zip checks switched off) -------------------


@pytest.fixture
def no_zip_limits(settings):
    settings.IMPORT_MAX_MEMBER_BYTES = 10**12
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 10**12
    settings.IMPORT_MAX_COMPRESSION_RATIO = 10**9


def test_the_600_mb_string_is_never_built_by_the_streaming_reader(alice, county_a, no_zip_limits):
    data = string_bomb(600 * MB)
    report, growth = measured_preview(data, alice, county_a)
    refused(report, "共享字符串总字符数超过上限（最多 20,000,000）")
    assert growth <= RSS_BUDGET


def test_the_inflated_sheet_stops_at_the_cell_count(alice, county_a, no_zip_limits):
    # Blank rows are skipped, not kept, so only the cell count stops them: ~24 million cells.
    data = sheet_bomb(300 * MB, BLANK_ROW)
    report, growth = measured_preview(data, alice, county_a)
    refused(report, "工作表的单元格个数超过上限（最多 2,000,000）")
    assert growth <= RSS_BUDGET


# --- each limit ----------------------------------------------------------------------------


def test_a_high_compression_ratio_is_refused(alice, county_a):
    data = sheet_bomb(20 * MB)  # within the size limits, but ~400:1
    report = preview(data, alice, county_a)
    refused(report, "文件压缩比异常（超过 100 倍），可能是压缩炸弹，已拒绝。")


def test_the_total_uncompressed_size_is_limited(alice, county_a, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 5 * MB
    settings.IMPORT_MAX_COMPRESSION_RATIO = 10**9
    data = hostile_xlsx(
        sheet_chunk=b"<!-- padding -->" * 4096,
        sheet_size=3 * MB,
        strings=b"<si><t>x</t></si>",
        string_chunk=b"<!-- -->" * 4096,
        string_size=3 * MB,
    )
    report = preview(data, alice, county_a)
    refused(report, "文件解压后过大（超过 5 MB）")


def test_too_many_zip_members_are_refused(alice, county_a):
    report = preview(hostile_xlsx(extra_members=1000), alice, county_a)
    refused(report, "Excel 文件内部的部件过多（超过 1000 个），已拒绝。")


def test_the_shared_string_count_is_limited(alice, county_a, settings):
    settings.IMPORT_MAX_SHARED_STRINGS = 10
    data = hostile_xlsx(strings=b"<si><t>x</t></si>" * 11)
    refused(preview(data, alice, county_a), "共享字符串个数超过上限（最多 10）")


def test_the_dimension_of_the_sheet_is_limited(alice, county_a):
    data = hostile_xlsx(
        sheet=b'<dimension ref="A1:XFD1048576"/>'
        b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>'
    )
    refused(preview(data, alice, county_a), "工作表的使用范围（行数×列数）超过上限")


def test_rows_times_columns_read_are_limited(alice, county_a, settings):
    settings.IMPORT_MAX_USED_RANGE_CELLS = 100_000
    # Few cells, but each row reaches column XFD: 10 rows x 16384 columns.
    rows = b"".join(b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (n, n) for n in range(1, 11))
    data = hostile_xlsx(sheet=b"<sheetData>" + rows + b"</sheetData>")
    refused(preview(data, alice, county_a), "工作表的使用范围（行数×列数）超过上限（最多 100,000）")


def test_a_csv_with_one_giant_line_is_refused(alice, county_a, settings):
    data = "序号,".encode() + b"A" * (9 * MB)  # one line, under the 10 MB upload cap
    assert len(data) < settings.IMPORT_MAX_BYTES
    report, growth = measured_preview(data, alice, county_a, name="巨行.csv")
    refused(report, "CSV 第 1 行的单元格过长（超过 131,072 个字符），已拒绝。")
    assert growth <= RSS_BUDGET


def test_a_normal_10000_row_workbook_still_reads(alice, county_a, dept_a):
    rows = [ITEM_HEADER] + [item_row(i, f"事项{i}", dept_a.name) for i in range(1, 10001)]
    report = preview(xlsx_bytes(rows), alice, county_a)
    assert report.ok, (report.file_errors, report.errors[:3])
    assert len(report.rows) == 10000
