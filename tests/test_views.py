"""Every page as every persona (the permission matrix), query counts, evidence download.

The matrix covers every URL in ``tracker/urls_core.py`` and ``intermediaries/urls.py``: anonymous
users are sent to the login page; staff see their own county and get 404 (never 403) for another;
the city admin sees both counties; the inspector reads everything and writes nothing; the viewer
sees the dashboard only.

Building a case costs a noticeable fraction of a second (every history row is hash-chained), so
each test class builds its personas and cases once, inside a transaction that is rolled back after
the class; each test then runs in its own savepoint inside it (pytest-django's usual rollback).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, reverse
from django.utils import timezone

import intermediaries.urls
import tracker.cases.urls
from intermediaries.models import IntermediaryFirm, IntermediaryItem
from tests.factories import (
    DepartmentFactory,
    IntermediaryFirmFactory,
    JurisdictionFactory,
    UserFactory,
    make_case,
)
from tracker.cases import services
from tracker.cases.workflow import Role, Status
from tracker.models import (
    Case,
    Department,
    Evidence,
    Jurisdiction,
    Milestone,
    Note,
    User,
    WithdrawalRequest,
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN = "login"  # expected outcome: 302 to /accounts/login/?next=...


def pdf_upload(name: str = "批复.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- class-wide data -----------------------------------------------------------------------


@dataclass
class Scene:
    """One county's objects: a case with its first milestone, one evidence file and a firm."""

    jurisdiction: Jurisdiction
    department: Department
    case: Case
    milestone: Milestone
    evidence: Evidence
    firm: IntermediaryFirm
    withdrawal: WithdrawalRequest


@dataclass
class World:
    """The personas of tests/conftest.py, each logged in once, and what the class needs."""

    counties: dict[str, Jurisdiction]
    departments: dict[str, Department]
    users: dict[str, User]
    sessions: dict[str, str] = field(default_factory=dict)  # persona -> session key
    scenes: dict[str, Scene] = field(default_factory=dict)
    cases: list[Case] = field(default_factory=list)

    def client(self, persona: str) -> Client:
        """A fresh client carrying the persona's session (anonymous for "anon")."""
        client = Client()
        if persona != "anon":
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[persona]
        return client


@contextmanager
def class_data(django_db_blocker, tmp_path_factory) -> Iterator[None]:
    """Data that lives for one test class: committed nowhere, rolled back at the end."""
    overrides = override_settings(
        PASSWORD_HASHERS=FAST_HASHERS, MEDIA_ROOT=tmp_path_factory.mktemp("media")
    )
    with overrides, django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def build_world() -> World:
    """The same personas, jurisdictions and departments as tests/conftest.py."""
    city = JurisdictionFactory(code="330100", name="测试市", level=Jurisdiction.Level.CITY)
    county_a = JurisdictionFactory(
        code="330102", name="甲区", level=Jurisdiction.Level.DISTRICT, parent=city
    )
    county_b = JurisdictionFactory(
        code="330105", name="乙区", level=Jurisdiction.Level.DISTRICT, parent=city
    )
    users = {
        "alice": UserFactory(username="alice", role=Role.STAFF, jurisdiction=county_a),
        "bob": UserFactory(username="bob", role=Role.STAFF, jurisdiction=county_b),
        "carol": UserFactory(username="carol", role=Role.ADMIN, jurisdiction=city),
        "ivan": UserFactory(username="ivan", role=Role.INSPECTOR, jurisdiction=city),
        "vera": UserFactory(username="vera", role=Role.VIEWER, jurisdiction=city),
    }
    world = World(
        counties={"a": county_a, "b": county_b},
        departments={
            "a": DepartmentFactory(jurisdiction=county_a, name="甲区住房和城乡建设局"),
            "b": DepartmentFactory(jurisdiction=county_b, name="乙区住房和城乡建设局"),
        },
        users=users,
    )
    for name, user in users.items():
        login = Client()
        login.force_login(user)
        world.sessions[name] = login.cookies[settings.SESSION_COOKIE_NAME].value
    return world


def build_scene(world: World, county: str, by: User) -> Scene:
    jurisdiction, department = world.counties[county], world.departments[county]
    case = make_case("item", jurisdiction, by, department=department)
    evidence = services.evidence_add(
        case=case,
        by=by,
        title="审核论证批复",
        upload=pdf_upload(),
        max_bytes=settings.EVIDENCE_MAX_BYTES,
    )
    return Scene(
        jurisdiction=jurisdiction,
        department=department,
        case=case,
        milestone=case.milestones.order_by("order").first(),
        evidence=evidence,
        firm=IntermediaryFirmFactory(jurisdiction=jurisdiction),
        withdrawal=services.withdrawal_request(
            case=case, by=by, category="error", reason="登记错误"
        ),
    )


def data_snapshot() -> tuple[int, ...]:
    """Row counts of everything a write view could touch (history rows are append-only)."""
    return (
        Case.history.count(),
        IntermediaryItem.history.count(),
        Milestone.history.count(),
        Evidence.history.count(),
        Note.history.count(),
        IntermediaryFirm.history.count(),
    )


# --- the permission matrix -----------------------------------------------------------------

# How to reach each view for one county's scene ("?jurisdiction=" picks where a new record goes).
URLS = {
    "dashboard": lambda s: reverse("tracker:dashboard"),
    "case_list": lambda s: reverse("tracker:case_list"),
    "case_new": lambda s: reverse("tracker:case_new"),
    "case_create": lambda s: (
        reverse("tracker:case_create", args=["item"]) + f"?jurisdiction={s.jurisdiction.pk}"
    ),
    "case_detail": lambda s: reverse("tracker:case_detail", args=[s.case.reference]),
    "case_edit": lambda s: reverse("tracker:case_edit", args=[s.case.reference]),
    "case_history": lambda s: reverse("tracker:case_history", args=[s.case.reference]),
    "case_transition": lambda s: reverse(
        "tracker:case_transition", args=[s.case.reference, Status.UNDER_REVIEW]
    ),
    "milestone_complete": lambda s: reverse(
        "tracker:milestone_complete", args=[s.case.reference, s.milestone.pk]
    ),
    "evidence_add": lambda s: reverse("tracker:evidence_add", args=[s.case.reference]),
    "note_add": lambda s: reverse("tracker:note_add", args=[s.case.reference]),
    "evidence_download": lambda s: reverse("tracker:evidence_download", args=[s.evidence.pk]),
    "evidence_supersede": lambda s: reverse("tracker:evidence_supersede", args=[s.evidence.pk]),
    "withdrawal_request": lambda s: reverse("tracker:withdrawal_request", args=[s.case.reference]),
    "withdrawal_list": lambda s: reverse("tracker:withdrawal_list"),
    "withdrawal_decide": lambda s: reverse("tracker:withdrawal_decide", args=[s.withdrawal.pk]),
    "firm_list": lambda s: reverse("intermediaries:firm_list"),
    "firm_create": lambda s: (
        reverse("intermediaries:firm_create") + f"?jurisdiction={s.jurisdiction.pk}"
    ),
    "firm_detail": lambda s: reverse("intermediaries:firm_detail", args=[s.firm.pk]),
    "firm_edit": lambda s: reverse("intermediaries:firm_edit", args=[s.firm.pk]),
    "supervision_index": lambda s: reverse("intermediaries:supervision_index"),
    "firm_supervision": lambda s: reverse("intermediaries:firm_supervision", args=[s.firm.pk]),
    "agency_supervision": lambda s: reverse(
        "intermediaries:agency_supervision", args=[s.department.pk]
    ),
}

# Expected status per persona. "alice_a" is alice (staff, county A) on county A's objects,
# "alice_b" alice on county B's objects (None: the page has no county, nothing to compare);
# carol, ivan, vera and anonymous are city-wide and are checked on both counties' objects.
# POSTs carry no data: an editor gets the form back with errors (200) and nothing changes;
# note_add accepts only POST (405 on GET) and always redirects back to the case.
# fmt: off
MATRIX: list[tuple[str, str, Any, Any, Any, Any, Any, Any]] = [
    # view                 method  anon   alice_a alice_b carol ivan vera
    ("dashboard",          "GET",  LOGIN, 200,    None,   200,  200, 200),
    ("case_list",          "GET",  LOGIN, 200,    None,   200,  200, 403),
    ("case_detail",        "GET",  LOGIN, 200,    404,    200,  200, 403),
    ("case_history",       "GET",  LOGIN, 200,    404,    200,  200, 403),
    ("evidence_download",  "GET",  LOGIN, 200,    404,    200,  200, 403),
    ("firm_list",          "GET",  LOGIN, 200,    None,   200,  200, 403),
    ("firm_detail",        "GET",  LOGIN, 200,    404,    200,  200, 403),
    ("case_new",           "GET",  LOGIN, 200,    None,   200,  403, 403),
    ("case_create",        "GET",  LOGIN, 200,    404,    200,  403, 403),
    ("case_create",        "POST", LOGIN, 200,    404,    200,  403, 403),
    ("case_edit",          "GET",  LOGIN, 200,    404,    200,  403, 403),
    ("case_edit",          "POST", LOGIN, 200,    404,    200,  403, 403),
    ("case_transition",    "GET",  LOGIN, 200,    404,    200,  403, 403),
    ("case_transition",    "POST", LOGIN, 200,    404,    200,  403, 403),
    ("milestone_complete", "GET",  LOGIN, 200,    404,    200,  403, 403),
    ("milestone_complete", "POST", LOGIN, 200,    404,    200,  403, 403),
    ("evidence_add",       "GET",  LOGIN, 200,    404,    200,  403, 403),
    ("evidence_add",       "POST", LOGIN, 200,    404,    200,  403, 403),
    ("evidence_supersede", "GET",  LOGIN, 200,    404,    200,  403, 403),
    ("evidence_supersede", "POST", LOGIN, 200,    404,    200,  403, 403),
    ("note_add",           "GET",  LOGIN, 405,    405,    405,  403, 403),
    ("note_add",           "POST", LOGIN, 302,    404,    302,  403, 403),
    # withdrawals: staff and admins request (POST only), admins list and decide
    ("withdrawal_request", "GET",  LOGIN, 405,    405,    405,  403, 403),
    ("withdrawal_request", "POST", LOGIN, 302,    404,    302,  403, 403),
    ("withdrawal_list",    "GET",  LOGIN, 403,    None,   200,  403, 403),
    ("withdrawal_decide",  "GET",  LOGIN, 403,    403,    405,  403, 403),
    ("withdrawal_decide",  "POST", LOGIN, 403,    403,    302,  403, 403),
    ("firm_create",        "GET",  LOGIN, 200,    404,    200,  403, 403),
    ("firm_create",        "POST", LOGIN, 200,    404,    200,  403, 403),
    ("firm_edit",          "GET",  LOGIN, 200,    404,    200,  403, 403),
    ("firm_edit",          "POST", LOGIN, 200,    404,    200,  403, 403),
    # supervision pages are for inspectors and reform admins only
    ("supervision_index",  "GET",  LOGIN, 403,    None,   200,  200, 403),
    ("firm_supervision",   "GET",  LOGIN, 403,    403,    200,  200, 403),
    ("agency_supervision", "GET",  LOGIN, 403,    403,    200,  200, 403),
]
# fmt: on


def matrix_params() -> list:
    params = []
    for view, method, anon, alice_a, alice_b, carol, ivan, vera in MATRIX:
        counties = ("a", "b") if alice_b is not None else ("a",)
        cells = [("alice", "a", alice_a)]
        if alice_b is not None:
            cells.append(("alice", "b", alice_b))
        for persona, expected in (("anon", anon), ("carol", carol), ("ivan", ivan), ("vera", vera)):
            cells.extend((persona, county, expected) for county in counties)
        params.extend(
            pytest.param(
                view, method, persona, county, expected, id=f"{view}-{method}-{persona}-{county}"
            )
            for persona, county, expected in cells
        )
    return params


def test_matrix_covers_every_view():
    names = {
        p.name
        for module in (tracker.cases.urls, intermediaries.urls)
        for p in module.urlpatterns
        if isinstance(p, URLPattern)
    }
    assert names == set(URLS) == {row[0] for row in MATRIX}


@pytest.mark.django_db
class TestPermissions:
    @pytest.fixture(scope="class")
    def world(self, django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
        with class_data(django_db_blocker, tmp_path_factory):
            world = build_world()
            world.scenes = {
                "a": build_scene(world, "a", world.users["alice"]),
                "b": build_scene(world, "b", world.users["bob"]),
            }
            yield world

    @pytest.mark.parametrize(("view", "method", "persona", "county", "expected"), matrix_params())
    def test_matrix(self, world, view, method, persona, county, expected):
        client = world.client(persona)
        url = URLS[view](world.scenes[county])
        before = data_snapshot()

        response = client.post(url) if method == "POST" else client.get(url)

        if expected == LOGIN:
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/?next=")
        else:
            assert response.status_code == expected
        if method == "POST":
            assert data_snapshot() == before  # denied or empty: nothing written
        if view == "evidence_download" and expected == 200:
            assert b"".join(response.streaming_content) == PDF_BYTES

    @pytest.mark.parametrize(
        "query",
        [
            lambda b: {"jurisdiction": b.jurisdiction.pk},
            lambda b: {"department": b.department.pk},
            lambda b: {"q": b.case.reference},
        ],
        ids=["jurisdiction", "department", "q"],
    )
    def test_list_filters_cannot_reach_another_county(self, world, query):
        other = world.scenes["b"]

        response = world.client("alice").get(reverse("tracker:case_list"), query(other))

        assert response.status_code == 200
        references = {case.reference for case in response.context["table"].data}
        assert references <= {world.scenes["a"].case.reference}

    def test_firm_search_cannot_reach_another_county(self, world):
        other = world.scenes["b"].firm

        client = world.client("alice")
        response = client.get(reverse("intermediaries:firm_list"), {"q": other.name})

        assert response.status_code == 200
        assert [row.record for row in response.context["table"].page.object_list] == []
        # Nor by naming the other county in the place filter: it is not a choice.
        response = client.get(
            reverse("intermediaries:firm_list"), {"jurisdiction": other.jurisdiction_id}
        )
        assert response.status_code == 200
        assert [row.record for row in response.context["table"].page.object_list] == []
        assert response.context["filter"].errors

    def test_evidence_download_is_an_attachment(self, world):
        evidence = world.scenes["a"].evidence

        response = world.client("alice").get(
            reverse("tracker:evidence_download", args=[evidence.pk])
        )

        assert response.status_code == 200
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "filename*=utf-8''%E6%89%B9%E5%A4%8D.pdf" in disposition  # 批复.pdf
        assert response["Content-Type"] == "application/octet-stream"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == PDF_BYTES

    def test_evidence_download_of_another_county_is_404(self, world):
        url = reverse("tracker:evidence_download", args=[world.scenes["a"].evidence.pk])

        response = world.client("bob").get(url)

        assert response.status_code == 404
        assert "Content-Disposition" not in response

    def test_evidence_download_of_unknown_id_is_404(self, world):
        response = world.client("carol").get(reverse("tracker:evidence_download", args=[10**9]))

        assert response.status_code == 404


# --- query counts --------------------------------------------------------------------------

# Pinned bounds: the same for 10 and 500 cases in scope. Each request also spends 2 queries on
# the framework (session read; the user with its jurisdiction and unread count), and, at most
# once a minute, 3 more for the session write that restarts the inactivity timeout (wrapped
# in SAVEPOINT/RELEASE by the test transaction); the bounds are for the steady state.
LIST_MAX_QUERIES = 10
DASHBOARD_MAX_QUERIES = 14  # 9 of them its own: counts, overdue, three short lists, red flags
DETAIL_MAX_QUERIES = 30  # measured 24-29 across kinds: timeline, inspection panel, red flags

LIST_URLS = [
    "/cases/",
    "/cases/?kind=item&status=registered",
    "/cases/?" + urlencode({"q": "330102", "overdue": "false", "sort": "deadline", "page": 2}),
]


def bulk_cases(n: int, jurisdiction: Jurisdiction, department: Department, owner: User) -> None:
    """Plain case rows for read-only query counting (no subject, milestones or history)."""
    today = timezone.localdate()
    Case.objects.bulk_create(
        Case(
            reference=f"{jurisdiction.code}-BULK-{i:05d}",
            kind="item",
            title=f"批量事项{i}",
            jurisdiction=jurisdiction,
            department=department,
            owner=owner,
            registered_on=today,
            deadline=today + datetime.timedelta(days=10 + i % 60),
        )
        for i in range(n)
    )


def count_get(client: Client, url: str, bound: int, assert_max) -> tuple[Any, int]:
    """GET url under the bound; the response and how many queries it took (in the steady
    state: a first request, not counted, makes the session's once-a-minute activity write)."""
    client.get(url)
    with assert_max(bound) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(ctx.captured_queries)


@pytest.mark.django_db
class TestQueryCounts:
    @pytest.fixture(scope="class")
    def world(self, django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
        """Ten cases in county A made through the service (the rest are added per test)."""
        with class_data(django_db_blocker, tmp_path_factory):
            world = build_world()
            world.cases = [
                make_case(
                    "item",
                    world.counties["a"],
                    world.users["alice"],
                    department=world.departments["a"],
                    name=f"中介服务{i}",
                )
                for i in range(10)
            ]
            yield world

    def grow_to_500(self, world: World) -> None:
        bulk_cases(490, world.counties["a"], world.departments["a"], world.users["alice"])

    @pytest.mark.parametrize("url", LIST_URLS)
    @pytest.mark.parametrize("persona", ["alice", "carol"])
    def test_case_list(self, world, url, persona, django_assert_max_num_queries):
        client = world.client(persona)
        small_page = 10 if "page=2" not in url else None

        if small_page is not None:
            response, small = count_get(
                client, url, LIST_MAX_QUERIES, django_assert_max_num_queries
            )
            assert response.context["table"].paginator.count == 10

        self.grow_to_500(world)
        response, large = count_get(client, url, LIST_MAX_QUERIES, django_assert_max_num_queries)

        table = response.context["table"]
        assert table.paginator.count == 500
        assert len(table.page.object_list) == 25
        if small_page is not None:
            assert large == small

    @pytest.mark.parametrize("persona", ["alice", "vera"])
    def test_dashboard(self, world, persona, django_assert_max_num_queries):
        client = world.client(persona)

        response, small = count_get(
            client, "/", DASHBOARD_MAX_QUERIES, django_assert_max_num_queries
        )
        assert response.context["grand_total"] == 10

        self.grow_to_500(world)
        response, large = count_get(
            client, "/", DASHBOARD_MAX_QUERIES, django_assert_max_num_queries
        )
        assert response.context["grand_total"] == 500
        assert large == small

    def test_case_detail(self, world, django_assert_max_num_queries):
        client = world.client("alice")
        url = reverse("tracker:case_detail", args=[world.cases[0].reference])

        _, small = count_get(client, url, DETAIL_MAX_QUERIES, django_assert_max_num_queries)
        self.grow_to_500(world)
        _, large = count_get(client, url, DETAIL_MAX_QUERIES, django_assert_max_num_queries)

        assert large == small

    def test_case_detail_does_not_grow_with_its_history(self, world, django_assert_max_num_queries):
        alice, case = world.users["alice"], world.cases[0]
        client = world.client("alice")
        url = reverse("tracker:case_detail", args=[case.reference])
        milestones = list(case.milestones.filter(required=True).order_by("order"))

        def add_events(notes: int, evidence: int, done: list[Milestone]) -> None:
            for i in range(notes):
                services.note_add(case=case, by=alice, text=f"跟进记录{i}")
            for i in range(evidence):
                services.evidence_add(
                    case=case,
                    by=alice,
                    title=f"材料{i}",
                    upload=pdf_upload(f"材料{i}.pdf"),
                    max_bytes=settings.EVIDENCE_MAX_BYTES,
                )
            for milestone in done:
                services.milestone_complete(
                    milestone=milestone,
                    by=alice,
                    effective_date=timezone.localdate(),
                    doc_no="甲改〔2026〕1号",
                    evidence=case.evidence.first(),
                )

        add_events(notes=1, evidence=1, done=milestones[:1])  # one event of every kind
        _, few = count_get(client, url, DETAIL_MAX_QUERIES, django_assert_max_num_queries)
        add_events(notes=12, evidence=3, done=milestones[1:4])
        response, many = count_get(client, url, DETAIL_MAX_QUERIES, django_assert_max_num_queries)

        assert len(response.context["notes"]) == 13
        assert len(response.context["evidence_list"]) == 4
        assert many <= few  # more history never means more queries
