"""The input guard (issue 19, finding 3): control characters in a path, query string or form
field answer 400 before any view runs, and every page / page-size parameter is bounded by the
shared paginator, so no request reaches the database with a NUL byte or an out-of-range
OFFSET/LIMIT. Both databases: PostgreSQL refuses NUL in text and bigint overflow; SQLite
overflows on Python ints beyond 64 bits."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_case
from tracker.web.pagination import bounded_page_params

HUGE = "100000000000000000000"  # 10**20

# The fifteen server errors of issue 19, plus their siblings on every paginated page.
NUL_URLS = [
    "/catalog/intermediaries/?jurisdiction=%00",
    "/catalog/intermediaries/download.pdf?jurisdiction=%00",
    "/catalog/fees/?jurisdiction=%00",
    "/catalog/fees/download.xlsx?jurisdiction=%00",
    "/firms/?q=%00",
    "/supervision/?q=%00",
    "/cases/%00/",
    "/cases/?q=a%00b",
    "/audit/?q=%01",
    "/cases/?kind=item%1F",
]
PAGE_URLS = [
    f"/cases/?page={HUGE}",
    f"/cases/?per_page={HUGE}",
    "/cases/?per_page=-1",
    "/cases/?page=-1",
    "/cases/?per_page=abc",
    f"/audit/?page={HUGE}",
    f"/audit/access/?page={HUGE}",
    f"/audit/review/?page={HUGE}",
    f"/audit/flags/?page={HUGE}",
    f"/firms/?page={HUGE}",
    "/firms/?page=-1",
    f"/reports/?page={HUGE}",
    f"/notifications/?page={HUGE}",
]


@pytest.fixture
def clients(carol, alice, ivan, county_a):
    make_case("item", county_a, alice)
    staff, admin, inspector = Client(), Client(), Client()
    staff.force_login(alice)
    admin.force_login(carol)
    inspector.force_login(ivan)
    return {"anon": Client(), "staff": staff, "admin": admin, "inspector": inspector}


@pytest.mark.django_db
@pytest.mark.parametrize("url", NUL_URLS)
@pytest.mark.parametrize("who", ["anon", "staff", "admin", "inspector"])
def test_control_characters_in_path_or_query_answer_400(clients, who, url):
    response = clients[who].get(url)
    assert response.status_code == 400, (url, who, response.status_code)
    assert "不可见的控制字符" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGE_URLS)
@pytest.mark.parametrize("who", ["anon", "staff", "admin", "inspector"])
def test_out_of_range_pages_never_answer_500(clients, who, url):
    response = clients[who].get(url)  # the test client re-raises a server error
    assert response.status_code in (200, 302, 403), (url, who, response.status_code)


@pytest.mark.django_db
def test_case_history_page_out_of_range(clients):
    from tracker.models import Case

    case = Case.objects.get()
    response = clients["staff"].get(f"/cases/{case.reference}/history/?page={HUGE}")
    assert response.status_code == 200


@pytest.mark.django_db
def test_control_characters_in_form_fields_answer_400(clients, alice):
    from tracker.models import Case, Note

    case = Case.objects.get()
    response = clients["staff"].post(
        f"/cases/{case.reference}/notes/new/", {"text": "备注\x00内容"}
    )
    assert response.status_code == 400
    assert not Note.objects.filter(case=case).exists()
    # Tabs and line breaks of a textarea are ordinary text.
    response = clients["staff"].post(
        f"/cases/{case.reference}/notes/new/", {"text": "第一行\r\n\t第二行"}
    )
    assert response.status_code == 302
    assert Note.objects.filter(case=case).count() == 1


@pytest.mark.django_db
def test_control_characters_in_a_text_field_of_an_upload_answer_400(clients):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tracker.models import Case, Evidence

    case = Case.objects.get()
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = clients["staff"].post(
        f"/cases/{case.reference}/evidence/new/", {"title": "材料\x00", "file": upload}
    )
    assert response.status_code == 400
    assert not Evidence.objects.filter(case=case).exists()


@pytest.mark.parametrize(
    ("page", "per_page", "expected"),
    [
        (None, None, (1, 25)),
        ("3", "50", (3, 50)),
        (HUGE, HUGE, (10**6, 100)),
        ("-1", "-1", (1, 25)),
        ("0", "0", (1, 25)),
        ("x", "y", (1, 25)),
        ("2.0", "", (1, 25)),
    ],
)
def test_bounded_page_params(page, per_page, expected):
    query = {k: v for k, v in (("page", page), ("per_page", per_page)) if v is not None}
    assert bounded_page_params(query, default_per_page=25) == expected
