"""The global audit log: who may read it, scope, filters, bad input, constant query count,
CSV/XLSX exports (each one recorded), the chain head and the last verification."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import UserFactory, make_case
from tracker.audit import chain as audit
from tracker.cases import services
from tracker.cases.workflow import Role, Status
from tracker.models import AccessLog


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cases(alice, bob, county_a, county_b, dept_a, dept_b):
    a = make_case("item", county_a, alice, department=dept_a)
    a = services.case_transition(case=a, to=Status.UNDER_REVIEW, by=alice, reason="甲区开始核查")
    b = make_case("fee", county_b, bob, department=dept_b)
    services.note_add(case=b, by=bob, text="乙区备注")
    post = make_case("post", county_a, alice, department=dept_a)
    return {"a": a, "b": b, "post": post}


@pytest.fixture
def irene(county_b):
    """An inspector of county B only."""
    return UserFactory(username="irene", role=Role.INSPECTOR, jurisdiction=county_b)


URL = reverse("audit:log")


@pytest.mark.parametrize(
    ("persona", "status"), [("alice", 403), ("vera", 403), ("ivan", 200), ("carol", 200)]
)
def test_who_may_read_the_audit_log(client_as, cases, request, persona, status):
    user = request.getfixturevalue(persona)
    assert client_as(user).get(URL).status_code == status
    assert client_as(user).get(reverse("audit:export")).status_code in (
        (403,) if status == 403 else (200,)
    )
    assert client_as(user).get(reverse("audit:access_log")).status_code == status


def test_anonymous_is_sent_to_login(client, cases):
    for name in ("audit:log", "audit:export", "audit:access_log", "audit:flag_list"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_city_inspector_sees_every_change_county_inspector_only_theirs(
    client_as, cases, ivan, irene
):
    everything = client_as(ivan).get(URL, {"action": ""}).context["result"]
    refs = {e.case.reference for e in everything.entries if e.case}
    assert {cases["a"].reference, cases["b"].reference, cases["post"].reference} <= refs
    mine = client_as(irene).get(URL).context["result"]
    assert {e.case.reference for e in mine.entries if e.case} == {cases["b"].reference}
    # register changes (users, departments) are scoped too
    assert all(e.case is not None or "甲区" not in e.object_label for e in mine.entries)


def test_filters(client_as, cases, ivan, alice, bob, county_b, dept_a):
    client = client_as(ivan)

    def result(**params):
        response = client.get(URL, params)
        assert response.status_code == 200
        return response.context["result"]

    by_alice = result(user=alice.pk)
    assert by_alice.count and {e.user for e in by_alice.entries} == {alice}
    transitions = result(action="transition")
    assert [e.reason for e in transitions.entries] == ["甲区开始核查"]
    notes = result(action="note")
    assert [e.case.reference for e in notes.entries] == [cases["b"].reference]
    fees = result(kind="fee")
    assert {e.case.reference for e in fees.entries} == {cases["b"].reference}
    in_b = result(jurisdiction=county_b.pk)
    assert {e.case.reference for e in in_b.entries if e.case} == {cases["b"].reference}
    in_dept = result(department=dept_a.pk, jurisdiction=dept_a.jurisdiction_id)
    assert {e.case.reference for e in in_dept.entries} == {
        cases["a"].reference,
        cases["post"].reference,
    }
    text = result(q="乙区备注")
    assert [e.action for e in text.entries] == ["note"]
    by_reference = result(q=cases["a"].reference)
    assert {e.case.reference for e in by_reference.entries} == {cases["a"].reference}
    today = datetime.date.today()
    assert result(date_from=today.isoformat(), date_to=today.isoformat()).count == result().count
    assert result(date_to=(today - datetime.timedelta(days=1)).isoformat()).count == 0
    creates = result(action="create", kind="item")
    assert {e.source for e in creates.entries} <= {"case", "subject.item", "milestone"}


@pytest.mark.parametrize(
    "params",
    [
        {"action": "explode"},
        {"kind": "spaceship"},
        {"user": "999999"},
        {"user": "abc"},
        {"jurisdiction": "abc"},
        {"jurisdiction": "999999"},
        {"department": "999999"},
        {"date_from": "2024-99-99"},
        {"date_from": "2024-05-02", "date_to": "2024-05-01"},
        {"page": "999"},
        {"page": "x"},
    ],
)
def test_unknown_filter_values_give_a_message_never_a_500(client_as, cases, ivan, params):
    response = client_as(ivan).get(URL, params)
    assert response.status_code == 200
    if "page" not in params:
        assert "筛选条件有误" in response.content.decode()


def test_out_of_scope_filter_values_are_refused(client_as, cases, irene, alice, county_a):
    response = client_as(irene).get(URL, {"user": alice.pk, "jurisdiction": county_a.pk})
    assert response.status_code == 200
    assert "筛选条件有误" in response.content.decode()
    # the refused filters are left out, the scope still holds: nothing from county A
    entries = response.context["result"].entries
    assert entries and all(e.case is None or e.case.jurisdiction_id != county_a.pk for e in entries)


def test_query_count_is_constant(
    client_as, ivan, alice, county_a, dept_a, django_assert_max_num_queries
):
    client = client_as(ivan)
    make_case("item", county_a, alice, department=dept_a)
    with django_assert_max_num_queries(40):
        assert client.get(URL).status_code == 200
    for kind in ("item", "firm", "post", "fee") * 5:
        case = make_case(kind, county_a, alice, department=dept_a)
        services.note_add(case=case, by=alice, text="备注")
        services.case_transition(case=case, to=Status.UNDER_REVIEW, by=alice, reason="核查")
    with django_assert_max_num_queries(40):
        response = client.get(URL)
    assert response.status_code == 200
    assert len(response.context["result"].entries) == 50
    with django_assert_max_num_queries(40):
        assert client.get(URL, {"page": 3, "action": "transition"}).status_code == 200


def test_chain_head_and_last_verification_are_shown(client_as, cases, ivan):
    client = client_as(ivan)
    body = client.get(URL).content.decode()
    seq, head = audit.chain_head()
    assert head in body and "尚未校验" in body
    call_command("verify_audit", stdout=io.StringIO())
    body = client.get(URL).content.decode()
    assert "通过" in body
    assert str(audit.chain_head()[0]) in body


# --- exports ------------------------------------------------------------------------------------


def test_csv_export_is_recorded(client_as, cases, ivan):
    response = client_as(ivan).get(reverse("audit:export"), {"format": "csv", "kind": "item"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["记录时间", "操作人", "操作"]
    assert len(rows) > 2
    assert {r[4] for r in rows[1:]} == {cases["a"].reference}
    log = AccessLog.objects.get(action="export", target="audit_log")
    assert log.user == ivan and log.file_format == "csv"
    assert log.row_count == len(rows) - 1
    assert "kind=item" in log.query


def test_xlsx_export_is_recorded(client_as, cases, carol):
    response = client_as(carol).get(reverse("audit:export"), {"format": "xlsx"})
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "记录时间"
    log = AccessLog.objects.get(action="export", target="audit_log")
    assert log.user == carol and log.file_format == "xlsx" and log.row_count == len(rows) - 1


def test_export_refuses_bad_input_without_exporting(client_as, cases, ivan):
    client = client_as(ivan)
    response = client.get(reverse("audit:export"), {"format": "pdf"})
    assert response.status_code == 302
    response = client.get(reverse("audit:export"), {"format": "csv", "action": "explode"})
    assert response.status_code == 302
    assert not AccessLog.objects.filter(action="export").exists()
    page = client.get(response["Location"])
    assert "未导出" in page.content.decode()


def test_export_cells_cannot_be_formulas(client_as, alice, county_a, dept_a, ivan):
    case = make_case("item", county_a, alice, department=dept_a)
    services.note_add(case=case, by=alice, text='=HYPERLINK("http://example.invalid")')
    response = client_as(ivan).get(reverse("audit:export"), {"format": "xlsx", "action": "note"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    changes = [row[11] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(not str(c).startswith("=") for c in changes)


def test_audit_log_view_with_personal_records_is_logged(client_as, cases, ivan):
    client_as(ivan).get(URL, {"kind": "post"})
    log = AccessLog.objects.get(target="audit_log", action="view")
    assert cases["post"].reference in log.query
    client_as(ivan).get(URL, {"kind": "fee"})
    assert AccessLog.objects.filter(target="audit_log", action="view").count() == 1


def test_register_changes_are_in_scope_too(client_as, cases, ivan, irene, carol, county_a):
    from tracker.audit.chain import bulk_create_with_history
    from tracker.models import Department

    bulk_create_with_history(
        Department,
        [Department(jurisdiction=county_a, name="甲区新设局")],
        by=carol,
        reason="机构改革",
    )
    city_view = client_as(ivan).get(URL, {"q": "甲区新设局"}).context["result"].entries
    assert [(e.object_label, e.action, e.reason) for e in city_view] == [
        ("部门：甲区新设局", "create", "机构改革")
    ]
    assert client_as(irene).get(URL, {"q": "甲区新设局"}).context["result"].count == 0
    # a case-kind filter leaves registers out
    assert (
        client_as(ivan).get(URL, {"q": "甲区新设局", "kind": "item"}).context["result"].count == 0
    )
