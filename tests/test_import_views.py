"""The /imports/ pages: who may use them, upload → preview → commit, error CSV, templates."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.test_import_support import ITEM_HEADER, item_row, preview, xlsx_bytes
from tracker.cases.registry import kinds
from tracker.models import Case, ImportBatch

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(client, data: bytes, *, county, name="清单.xlsx", kind="item", policy="skip"):
    return client.post(
        reverse("imports:index"),
        {
            "kind": kind,
            "jurisdiction": county.pk,
            "on_duplicate": policy,
            "file": SimpleUploadedFile(name, data),
        },
    )


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("imports:index"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "who, status", [("alice", 200), ("carol", 200), ("ivan", 403), ("vera", 403)]
)
def test_who_may_import(request, client_as, who, status):
    assert (
        client_as(request.getfixturevalue(who)).get(reverse("imports:index")).status_code == status
    )


def test_upload_preview_commit(client_as, alice, county_a, dept_a):
    client = client_as(alice)
    data = xlsx_bytes(
        [ITEM_HEADER, item_row(1, "事项一", dept_a.name), item_row(2, "事项二", dept_a.name)]
    )
    response = upload(client, data, county=county_a)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:batch", args=[batch.pk])
    page = client.get(response["Location"])
    content = page.content.decode()
    assert page.status_code == 200
    assert "事项一" in content and "事项二" in content and "确认导入" in content
    assert Case.objects.count() == 0
    response = client.post(reverse("imports:commit", args=[batch.pk]), {"on_duplicate": "skip"})
    assert response.status_code == 302
    assert Case.objects.count() == 2
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.COMMITTED
    page = client.get(reverse("imports:batch", args=[batch.pk]))
    assert "导入结果" in page.content.decode()


def test_preview_page_shows_errors_and_csv(client_as, alice, county_a, dept_a):
    client = client_as(alice)
    rows = [
        ITEM_HEADER,
        item_row(1, "事项一", "无此局"),
        item_row(2, "@事项二", dept_a.name, disposition="乱写"),
    ]
    upload(client, xlsx_bytes(rows), county=county_a)
    batch = ImportBatch.objects.get()
    assert batch.state == ImportBatch.State.REJECTED
    page = client.get(reverse("imports:batch", args=[batch.pk])).content.decode()
    assert "无此局" in page and "确认导入" not in page
    response = client.get(reverse("imports:errors", args=[batch.pk]))
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["行号", "列", "错误说明"]
    assert [r[:2] for r in rows[1:]] == [["2", "审批部门"], ["3", "处理决定"]]
    # A commit attempt with errors writes nothing.
    client.post(reverse("imports:commit", args=[batch.pk]))
    assert Case.objects.count() == 0


def test_upload_of_a_bad_file_is_a_clear_message(client_as, alice, county_a):
    client = client_as(alice)
    response = upload(client, b"%PDF-1.4", county=county_a, name="scan.pdf")
    page = client.get(response["Location"]).content.decode()
    assert "不支持的文件类型" in page


def test_upload_too_large(client_as, alice, county_a, settings):
    settings.IMPORT_MAX_BYTES = 10
    response = upload(client_as(alice), b"a,b\n1,2\n3,4", county=county_a, name="a.csv")
    assert response.status_code == 200
    assert "文件过大" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_upload_outside_scope_is_refused(client_as, alice, county_b, dept_b):
    response = upload(client_as(alice), xlsx_bytes([ITEM_HEADER]), county=county_b)
    assert response.status_code == 200  # the form refuses a jurisdiction outside the scope
    assert ImportBatch.objects.count() == 0


def test_other_jurisdictions_batches_are_404(client_as, alice, bob, county_a, dept_a):
    report = preview(xlsx_bytes([ITEM_HEADER, item_row(1, "甲", dept_a.name)]), alice, county_a)
    client = client_as(bob)
    for name in ("imports:batch", "imports:errors", "imports:file"):
        assert client.get(reverse(name, args=[report.batch.pk])).status_code == 404
    assert client.post(reverse("imports:commit", args=[report.batch.pk])).status_code == 404


def test_duplicate_policy_choice_on_preview(client_as, alice, county_a, dept_a):
    rows = [ITEM_HEADER, item_row(1, "甲", dept_a.name), item_row(2, "甲", dept_a.name)]
    report = preview(xlsx_bytes(rows), alice, county_a)
    client = client_as(alice)
    url = reverse("imports:batch", args=[report.batch.pk])
    assert "与第 2 行重复，已跳过" in client.get(url).content.decode()
    assert "以第 3 行为准" in client.get(url + "?on_duplicate=update").content.decode()
    client.post(reverse("imports:commit", args=[report.batch.pk]), {"on_duplicate": "update"})
    assert Case.objects.count() == 1


def test_original_file_download(client_as, alice, county_a, dept_a):
    data = xlsx_bytes([ITEM_HEADER, item_row(1, "甲", dept_a.name)])
    report = preview(data, alice, county_a)
    response = client_as(alice).get(reverse("imports:file", args=[report.batch.pk]))
    assert b"".join(response.streaming_content) == data


@pytest.mark.parametrize("kind", [k.key for k in kinds()])
def test_template_download_round_trips(client_as, alice, county_a, kind):
    """The template's example row imports cleanly once its example departments exist."""
    from tests.factories import DepartmentFactory, IntermediaryFirmFactory

    response = client_as(alice).get(reverse("imports:template", args=[kind]))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[0] == "序号"
    assert sheet.max_row == 2
    assert "填表说明" in workbook.sheetnames
    for name in ("市生态环境局", "市住房和城乡建设局", "区委组织部", "区自然资源局"):
        DepartmentFactory(jurisdiction=county_a, name=name)
    if kind == "firm":  # the example credit code is the DOMAIN.md example; keep it free
        IntermediaryFirmFactory(jurisdiction=county_a)
    report = preview(response.content, alice, county_a, kind=kind)
    assert report.ok, report.errors
    assert [r.outcome for r in report.rows] == ["create"]


def test_unknown_template_is_404(client_as, alice):
    assert client_as(alice).get("/imports/template/nope.xlsx").status_code == 404


def test_index_query_count(client_as, alice, county_a, dept_a, django_assert_max_num_queries):
    for n in range(5):
        preview(
            xlsx_bytes([ITEM_HEADER, item_row(1, f"甲{n}", dept_a.name)]),
            alice,
            county_a,
            name=f"{n}.xlsx",
        )
    client = client_as(alice)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("imports:index"))
    assert response.content.decode().count("/imports/") >= 5
