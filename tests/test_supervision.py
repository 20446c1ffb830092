"""Supervision views: a firm's and an agency's ties as of any date, read from history rows."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from intermediaries.models import AffiliationType, IntermediaryFirm
from intermediaries.services import firm_save
from intermediaries.supervision import (
    agency_supervision,
    end_of_day,
    firm_supervision,
    parse_as_of,
)
from tests.factories import DepartmentFactory, IntermediaryFirmFactory, UserFactory, make_case
from tracker.cases import services
from tracker.cases.workflow import Role
from tracker.models import AccessLog, Case

TZ = ZoneInfo("Asia/Shanghai")


def d(s: str) -> datetime.date:
    return datetime.date.fromisoformat(s)


def on(day: str, hour: int = 10):
    return time_machine.travel(datetime.datetime.combine(d(day), datetime.time(hour), tzinfo=TZ))


@pytest.fixture(autouse=True)
def fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def edit_subject(case: Case, by, **fields) -> None:
    case.refresh_from_db()
    services.case_update(
        case=case,
        by=by,
        expected_version=case.version,
        case_fields={},
        subject_fields=fields,
        reason="更正",
    )


def save_firm(firm: IntermediaryFirm, by, reason: str, **fields) -> None:
    firm = IntermediaryFirm.objects.get(pk=firm.pk)
    for name, value in fields.items():
        setattr(firm, name, value)
    firm_save(firm=firm, jurisdiction=firm.jurisdiction, by=by, reason=reason)


@pytest.fixture
def story(alice, bob, county_a, county_b, dept_a, dept_b):
    """A firm's life in 2024: affiliated, provides an item, hosts an official, decoupled."""
    dept_a2 = DepartmentFactory(jurisdiction=county_a, name="甲区交通运输局")
    with on("2024-01-10"):
        firm = IntermediaryFirmFactory(
            jurisdiction=county_a,
            name="甲区建设工程咨询中心",
            supervising_agency=dept_a,
            affiliation_type=AffiliationType.ATTACHED,
            credit_grade="A",
            shares_staff_with_agency=True,
        )
    with on("2024-03-01"):
        item = make_case(
            "item", county_a, alice, department=dept_a, name="施工图审查", provider_firm=firm
        )
        item_b = make_case(
            "item", county_b, bob, department=dept_b, name="乙区检测", provider_firm=firm
        )
    with on("2024-04-01"):
        post = make_case(
            "post",
            county_a,
            alice,
            person_name="测试人乙",
            employing_unit=dept_a.name,
            firm=firm,
            firm_name=firm.name,
            held_from=d("2020-01-01"),
        )
    with on("2024-05-01"):
        decoupling = make_case("firm", county_a, alice, firm=firm, agency=dept_a)
    with on("2024-06-15"):
        save_firm(
            firm,
            alice,
            "脱钩完成",
            supervising_agency=None,
            affiliation_type=AffiliationType.NONE,
            credit_grade="B",
            shares_staff_with_agency=False,
        )
    with on("2024-07-01"):
        save_firm(
            firm,
            alice,
            "交通局出资",
            supervising_agency=dept_a2,
            affiliation_type=AffiliationType.FUNDED,
        )
    with on("2024-08-01"):
        edit_subject(post, alice, held_to=d("2024-07-31"))
    with on("2024-09-01"):
        edit_subject(item, alice, provider_firm=None)
    return {
        "firm": firm,
        "item": item,
        "item_b": item_b,
        "post": post,
        "decoupling": decoupling,
        "dept_a2": dept_a2,
    }


def refs(rows) -> set[str]:
    return {r["case"].reference if isinstance(r, dict) else r.case.reference for r in rows}


def test_parse_as_of():
    today = d("2025-01-15")
    assert parse_as_of("", today) == (today, "")
    assert parse_as_of("2024-06-30", today) == (d("2024-06-30"), "")
    day, problem = parse_as_of("2024-13-01", today)
    assert day == today and "YYYY-MM-DD" in problem
    day, problem = parse_as_of("2025-02-01", today)
    assert day == today and "未来" in problem


def test_end_of_day_is_local_midnight():
    end = end_of_day(d("2024-06-30"))
    assert end == datetime.datetime(2024, 7, 1, tzinfo=TZ)


def test_firm_before_registration(story, carol):
    ctx = firm_supervision(firm=story["firm"], user=carol, day=d("2023-12-31"))
    assert ctx["state"] is None
    assert ctx["affiliations"] == [] and ctx["items"] == [] and ctx["posts"] == []


def test_firm_as_of_each_date(story, carol, dept_a):
    firm, item, post, decoupling = story["firm"], story["item"], story["post"], story["decoupling"]

    ctx = firm_supervision(firm=firm, user=carol, day=d("2024-02-01"))
    assert ctx["state"].supervising_agency_id == dept_a.pk
    assert ctx["state"].credit_grade == "A"
    assert [(p.value, p.end) for p in ctx["affiliations"]] == [
        ((dept_a.pk, AffiliationType.ATTACHED), None)
    ]
    assert ctx["items"] == [] and ctx["posts"] == [] and ctx["decouplings"] == []

    ctx = firm_supervision(firm=firm, user=carol, day=d("2024-05-15"))
    assert refs(ctx["items"]) == {item.reference, story["item_b"].reference}
    row = next(r for r in ctx["items"] if r["case"].reference == item.reference)
    assert row["department"] == dept_a.name and row["case"].status_label == "已登记"
    assert refs(ctx["decouplings"]) == {decoupling.reference}
    assert ctx["decouplings"][0]["agency"] == dept_a.name
    assert [(p.case.reference, p.active) for p in ctx["posts"]] == [(post.reference, True)]

    ctx = firm_supervision(firm=firm, user=carol, day=d("2024-06-15"))
    assert ctx["state"].supervising_agency_id is None and ctx["state"].credit_grade == "B"
    assert [p.value[0] for p in ctx["affiliations"]] == [dept_a.pk, None]
    assert ctx["affiliations"][0].end.astimezone(TZ).date() == d("2024-06-15")
    assert [p.value for p in ctx["credit"]] == [("A", False), ("B", False)]
    assert [p.value for p in ctx["ties"]] == [(True, False), (False, False)]

    ctx = firm_supervision(firm=firm, user=carol, day=d("2024-08-15"))
    assert [p.value[0] for p in ctx["affiliations"]] == [dept_a.pk, None, story["dept_a2"].pk]
    assert ctx["affiliations"][2].labels["type"] == "出资"
    assert ctx["affiliations"][2].reason == "交通局出资"
    (row,) = ctx["posts"]
    assert row.record.held_to == d("2024-07-31") and row.active is False
    assert item.reference in refs(ctx["items"])

    ctx = firm_supervision(firm=firm, user=carol, day=d("2024-09-01"))
    assert refs(ctx["items"]) == {story["item_b"].reference}  # the provider was changed that day


def test_firm_view_hides_cases_outside_the_users_scope(story, county_a):
    adam = UserFactory(username="adam", role=Role.ADMIN, jurisdiction=county_a)
    ctx = firm_supervision(firm=story["firm"], user=adam, day=d("2024-05-15"))
    assert refs(ctx["items"]) == {story["item"].reference}


def test_agency_as_of_each_date(story, carol, dept_a):
    firm, post, decoupling = story["firm"], story["post"], story["decoupling"]

    ctx = agency_supervision(department=dept_a, user=carol, day=d("2024-05-15"))
    (affiliated,) = ctx["firms"]
    assert affiliated.firm_id == firm.pk and affiliated.current
    assert affiliated.affiliation_type == "挂靠"
    assert [(p.case.reference, p.active) for p in ctx["officials"]] == [(post.reference, True)]
    assert [p.case.reference for p in ctx["posts_at_affiliated"]] == [post.reference]
    assert refs(ctx["decouplings"]) == {decoupling.reference}

    ctx = agency_supervision(department=dept_a, user=carol, day=d("2024-06-30"))
    (affiliated,) = ctx["firms"]
    assert not affiliated.current
    (span,) = affiliated.periods
    assert span.start.astimezone(TZ).date() == d("2024-01-10")
    assert span.end.astimezone(TZ).date() == d("2024-06-15")
    assert ctx["posts_at_affiliated"] == []
    assert [p.case.reference for p in ctx["officials"]] == [post.reference]

    ctx = agency_supervision(department=dept_a, user=carol, day=d("2023-12-31"))
    assert ctx["firms"] == [] and ctx["officials"] == []


def test_new_agency_as_of(story, carol):
    dept_a2 = story["dept_a2"]
    assert agency_supervision(department=dept_a2, user=carol, day=d("2024-06-30"))["firms"] == []
    ctx = agency_supervision(department=dept_a2, user=carol, day=d("2024-07-02"))
    (affiliated,) = ctx["firms"]
    assert affiliated.current and affiliated.affiliation_type == "出资"


# --- pages --------------------------------------------------------------------------------


def test_firm_page(client_as, story, ivan, django_assert_max_num_queries):
    client = client_as(ivan)
    url = reverse("intermediaries:firm_supervision", args=[story["firm"].pk])
    with django_assert_max_num_queries(25):
        response = client.get(url, {"as_of": "2024-05-15"})
    assert response.status_code == 200
    body = response.content.decode()
    assert story["post"].reference in body and "测试人乙" in body and "施工图审查" in body
    assert "截至 2024-05-15" in body
    log = AccessLog.objects.get(target="firm_supervision")
    assert log.user == ivan and log.query == "as_of=2024-05-15" and log.row_count == 1


def test_firm_page_before_registration_and_bad_dates(client_as, story, carol):
    client = client_as(carol)
    url = reverse("intermediaries:firm_supervision", args=[story["firm"].pk])
    assert "尚未登记" in client.get(url, {"as_of": "2023-12-31"}).content.decode()
    response = client.get(url, {"as_of": "not-a-date"})
    assert response.status_code == 200 and "格式有误" in response.content.decode()
    response = client.get(url, {"as_of": "2999-01-01"})
    assert response.status_code == 200 and "未来" in response.content.decode()


def test_agency_page(client_as, story, ivan, dept_a, django_assert_max_num_queries):
    client = client_as(ivan)
    url = reverse("intermediaries:agency_supervision", args=[dept_a.pk])
    with django_assert_max_num_queries(25):
        response = client.get(url, {"as_of": "2024-06-30"})
    body = response.content.decode()
    assert response.status_code == 200
    assert story["firm"].name in body and "已解除" in body and story["post"].reference in body


def test_index_page(client_as, story, ivan, dept_a, django_assert_max_num_queries):
    client = client_as(ivan)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("intermediaries:supervision_index"))
    body = response.content.decode()
    assert story["firm"].name in body and story["dept_a2"].name in body
    response = client.get(reverse("intermediaries:supervision_index"), {"q": "建设工程"})
    assert story["firm"].name in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("alice", 403), ("bob", 403), ("vera", 403), ("ivan", 200), ("carol", 200), ("dave", 404)],
)
def test_permissions(client_as, request, story, county_b, dept_a, who, status):
    if who == "dave":
        user = UserFactory(username="dave", role=Role.ADMIN, jurisdiction=county_b)
    else:
        user = request.getfixturevalue(who)
    client = client_as(user)
    firm_url = reverse("intermediaries:firm_supervision", args=[story["firm"].pk])
    agency_url = reverse("intermediaries:agency_supervision", args=[dept_a.pk])
    assert client.get(firm_url).status_code == status
    assert client.get(agency_url).status_code == status
    index = client.get(reverse("intermediaries:supervision_index")).status_code
    assert index == (403 if status == 403 else 200)


def test_anonymous_is_sent_to_login(client, story):
    response = client.get(reverse("intermediaries:firm_supervision", args=[story["firm"].pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_page_query_counts_do_not_grow_with_rows(client_as, story, ivan, alice, county_a, dept_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as(ivan)
    firm = story["firm"]
    urls = [
        reverse("intermediaries:firm_supervision", args=[firm.pk]),
        reverse("intermediaries:agency_supervision", args=[dept_a.pk]),
    ]

    def counts() -> list[int]:
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url, {"as_of": "2025-01-01"}).status_code == 200
            result.append(len(ctx.captured_queries))
        return result

    counts()  # the session's once-a-minute activity write happens here, not below
    before = counts()
    with on("2024-12-01"):
        for i in range(4):
            make_case(
                "item", county_a, alice, department=dept_a, name=f"事项{i}", provider_firm=firm
            )
            make_case(
                "post",
                county_a,
                alice,
                person_ref=f"P-{i:04d}",
                employing_unit=dept_a.name,
                firm=firm,
                firm_name=firm.name,
            )
    assert counts() == before
