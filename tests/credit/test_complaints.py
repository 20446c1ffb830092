"""Public complaints: the form (no login), the tracking code and status page, limits (rate,
size, ID numbers), triage in scope with a reply, and what inspectors see."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from intermediaries.credit import services
from intermediaries.credit.models import Complaint, ComplaintStatus, CreditRecord, RecordSource

FORM = reverse("credit:complaint_new")
STATUS = reverse("credit:complaint_status")


def submit(client: Client, **overrides):
    data = {
        "jurisdiction": "330102",
        "subject_type": "firm",
        "subject_text": "甲区测绘咨询有限公司",
        "description": "办理规划许可时被要求必须委托该公司测绘，收费 8000 元。",
        "happened_on": "2026-11-20",
        "contact": "13800000000",
    }
    data.update(overrides)
    return client.post(FORM, data, REMOTE_ADDR=overrides.pop("ip", "10.0.0.1"))


def test_submit_track_triage_and_reply(alice, bob, ivan, client_as, firm_a, kinds):
    public = Client()
    assert public.get(FORM).status_code == 200
    response = submit(public)
    assert response.status_code == 200
    complaint = Complaint.objects.get()
    code = complaint.tracking_code
    assert code in response.content.decode()
    assert complaint.firm == firm_a  # matched by name in the named place
    assert complaint.due_date == services.add_working_days(complaint.submitted_at.date(), 15)
    assert complaint.history.get().history_user is None

    page = Client().get(STATUS, {"code": code}).content.decode()
    assert "已受理，待核查" in page
    assert "8000" not in page and "13800000000" not in page  # status and reply only
    assert Client().get(STATUS, {"code": "ZZZZZZZZZZZZ"}).status_code == 404

    detail = reverse("credit:complaint_detail", args=[complaint.pk])
    assert client_as(bob).get(detail).status_code == 404  # another county's complaint
    assert client_as(ivan).get(detail).status_code == 200  # inspectors read in scope
    assert (
        client_as(ivan).post(detail, {"status": "substantiated", "reply": "x"}).status_code == 403
    )
    response = client_as(alice).post(
        detail,
        {
            "status": "substantiated",
            "reply": "经核查属实，已责令该公司整改并记入信用记录。",
            "record_kind": "complaint_substantiated",
            "firm": firm_a.pk,
            "new_item_case": "on",
        },
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.SUBSTANTIATED and complaint.handled_by == alice
    assert complaint.linked_case is not None and complaint.linked_case.kind == "item"
    record = CreditRecord.objects.get(source_complaint=complaint)
    assert record.source == RecordSource.COMPLAINT and record.firm == firm_a
    assert record.source_case == complaint.linked_case

    page = Client().get(STATUS, {"code": code}).content.decode()
    assert "经核查属实" in page and "已责令该公司整改" in page
    listing = client_as(ivan).get(reverse("credit:complaints")).content.decode()
    assert code in listing and "已责令该公司整改" not in listing


def test_substantiated_needs_a_consequence_and_every_outcome_a_reply(alice, firm_a, county_a):
    complaint = services.complaint_submit(
        jurisdiction=county_a, subject_type="other", subject_text="某窗口", description="乱收费"
    )
    with pytest.raises(ValidationError) as exc:
        services.complaint_triage(
            complaint=complaint, outcome=ComplaintStatus.SUBSTANTIATED, reply="属实", by=alice
        )
    assert "信用记录" in str(exc.value)
    with pytest.raises(ValidationError):
        services.complaint_triage(
            complaint=complaint, outcome=ComplaintStatus.OUT_OF_SCOPE, reply="", by=alice
        )
    services.complaint_triage(
        complaint=complaint,
        outcome=ComplaintStatus.OUT_OF_SCOPE,
        reply="不属于本部门受理范围，已告知受理渠道。",
        by=alice,
    )
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.OUT_OF_SCOPE and not CreditRecord.objects.exists()


def test_a_flood_from_one_client_is_refused_past_the_limit(settings, county_a):
    settings.CREDIT_COMPLAINT_RATE = 5
    client = Client()
    answers = [submit(client, description=f"第 {i} 件投诉").status_code for i in range(8)]
    assert answers == [200] * 5 + [429] * 3
    assert Complaint.objects.count() == 5
    refused = submit(client).content.decode()
    assert "提交过于频繁" in refused
    assert submit(Client(), ip="10.0.0.2").status_code == 200  # another client is not held up
    assert Complaint.objects.count() == 6


def test_a_10_mb_complaint_is_refused_and_nothing_is_kept(county_a):
    # Past DATA_UPLOAD_MAX_MEMORY_SIZE the request is refused before any view runs.
    response = submit(Client(), description="很" * (10 * 1024 * 1024 // 3))
    assert response.status_code in (400, 413)
    assert not Complaint.objects.exists()
    # Past the complaint limit (64 KB) but under Django's: refused by the view, unread.
    response = submit(Client(), description="很" * (1024 * 1024 // 3))
    assert response.status_code == 413
    assert "提交内容过大" in response.content.decode()
    assert not Complaint.objects.exists()
    assert submit(Client()).status_code == 200  # the next, normal one is taken


def test_a_long_description_is_refused_with_the_limit(county_a, settings):
    response = submit(Client(), description="长" * (settings.CREDIT_COMPLAINT_MAX_CHARS + 1))
    assert response.status_code == 400 and "最多" in response.content.decode()
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    "field,value",
    [
        ("description", "我的身份证号是 11010519491231002X，被要求多交费"),
        ("contact", "11010519491231002X"),
        ("description", "号码 110105 19491231 002X"),
        ("subject_text", "１１０１０５１９４９１２３１００２Ｘ"),
    ],
)
def test_an_id_number_is_refused(county_a, field, value):
    response = submit(Client(), **{field: value})
    assert response.status_code == 400
    assert "身份证号码" in response.content.decode()
    assert not Complaint.objects.exists()


def test_numbers_that_are_not_id_numbers_pass(county_a):
    response = submit(
        Client(), description="收费 110105194912310021 元（校验位不对）、电话 13800000000"
    )
    assert response.status_code == 200 and Complaint.objects.count() == 1


def test_working_days_skip_weekends():
    friday = datetime.date(2026, 11, 27)
    assert services.add_working_days(friday, 1) == datetime.date(2026, 11, 30)
    assert services.add_working_days(friday, 15) == datetime.date(2026, 12, 18)
