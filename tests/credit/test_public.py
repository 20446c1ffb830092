"""Public disclosure (no login): firms with band and list status per jurisdiction, list entries
with decision numbers and dates, XLSX and PDF with the edition date, the joint-punishment export;
and the dashboard panel."""

from __future__ import annotations

import datetime
import io
import json

import openpyxl
import pypdf
import pytest
from django.test import Client
from django.urls import reverse

from intermediaries.credit import services
from intermediaries.credit.models import EntryBasis, ListType
from intermediaries.credit.selectors import JOINT_FIELDS
from tests.credit.conftest import publish_rule

TODAY = datetime.date.today()


@pytest.fixture
def published(alice, bob, carol, firm_a, firm_b, kinds):
    publish_rule(carol, effective_from=TODAY)
    services.record_add(
        firm=firm_a, kind=kinds["penalty"], effective_date=TODAY, by=alice,
        reason="处罚", doc_no="甲罚〔2026〕7号", evidence="决定书",
    )  # fmt: skip
    entry = services.list_enter(
        firm=firm_b, list_type=ListType.BLACK, basis=EntryBasis.DECISION,
        decision_no="乙信黑〔2026〕2号", decision_date=TODAY, reason="严重失信",
        evidence="判决书", by=bob,
    )  # fmt: skip
    services.complaint_submit(
        jurisdiction=firm_a.jurisdiction, subject_type="firm", subject_text=firm_a.name,
        description="秘密内容", contact="13900000000",
    )  # fmt: skip
    return entry


def test_public_firm_list_per_jurisdiction_in_chinese(published, firm_a, firm_b):
    page = Client().get(reverse("credit:public_firms"), {"jurisdiction": "330102"})
    assert page.status_code == 200
    html = page.content.decode()
    assert firm_a.name in html and firm_b.name not in html
    assert "信用等级" in html and ">B<" in html and "版本日期" in html
    html = Client().get(reverse("credit:public_firms")).content.decode()
    assert firm_b.name in html and "黑名单" in html
    assert "13900000000" not in html and "秘密内容" not in html and "alice" not in html
    assert (
        Client().get(reverse("credit:public_firms"), {"jurisdiction": "999999"}).status_code == 404
    )


def test_public_lists_show_decision_numbers_and_dates(published):
    html = Client().get(reverse("credit:public_lists")).content.decode()
    assert "乙信黑〔2026〕2号" in html and TODAY.isoformat() in html


def test_xlsx_and_pdf_carry_the_edition_date(published, firm_a, firm_b):
    response = Client().get(reverse("credit:public_firms_download", args=["xlsx"]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert f"版本日期：{TODAY.isoformat()}" in rows[1]
    body = {r[1]: r for r in rows[4:]}
    assert body[firm_a.name][4] == "B" and body[firm_b.name][5] == "黑名单"
    response = Client().get(reverse("credit:public_firms_download", args=["pdf"]))
    assert response["Content-Type"] == "application/pdf"
    pdf = pypdf.PdfReader(io.BytesIO(response.content))
    assert len(pdf.pages) >= 1 and pdf.metadata.title == "中介机构信用等级和名单状态"
    response = Client().get(reverse("credit:public_lists"), {"format": "pdf"})
    assert response.content.startswith(b"%PDF")
    response = Client().get(reverse("credit:public_lists"), {"format": "xlsx"})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[4][3] == "乙信黑〔2026〕2号"
    assert Client().get(reverse("credit:public_firms_download", args=["doc"])).status_code == 404


def test_joint_punishment_export_has_stable_fields(published, firm_b):
    data = json.loads(Client().get(reverse("credit:joint_export", args=["json"])).content)
    assert data["edition_date"] == TODAY.isoformat()
    assert data["fields"] == [
        "credit_code", "name", "jurisdiction_code", "list", "decision_no", "decision_date",
        "repair_until", "exited_on", "exit_decision_no",
    ]  # fmt: skip
    assert data["entries"] == [
        {
            "credit_code": firm_b.credit_code,
            "name": firm_b.name,
            "jurisdiction_code": "330105",
            "list": "black",
            "decision_no": "乙信黑〔2026〕2号",
            "decision_date": TODAY.isoformat(),
            "repair_until": (TODAY + datetime.timedelta(days=180)).isoformat(),
            "exited_on": None,
            "exit_decision_no": "",
        }
    ]
    rows = list(
        openpyxl.load_workbook(
            io.BytesIO(Client().get(reverse("credit:joint_export", args=["xlsx"])).content)
        ).active.values
    )
    assert (
        rows[2][: len(JOINT_FIELDS)][0] == firm_b.credit_code and rows[2][4] == "乙信黑〔2026〕2号"
    )


def test_dashboard_panel(published, client_as, carol, vera):
    html = client_as(carol).get(reverse("tracker:dashboard")).content.decode()
    assert 'id="credit-dashboard"' in html
    assert "B：1" in html and "黑名单 1" in html and "待办 1，逾期 0" in html
    assert (
        'id="credit-dashboard"'
        in client_as(vera).get(reverse("tracker:dashboard")).content.decode()
    )
