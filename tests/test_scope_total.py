"""The list's total for a province-wide scope is counted as "all cases less those outside":
exact whatever lies outside the province, and the same as counting the scope."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import JurisdictionFactory, UserFactory, make_case
from tracker.cases import selectors
from tracker.cases.workflow import Role
from tracker.models import Case, Jurisdiction, User


@pytest.fixture
def province_world(alice, county_a, county_b, bob):
    province = JurisdictionFactory(code="990000", name="测试省", level=Jurisdiction.Level.PROVINCE)
    city = JurisdictionFactory(
        code="990100", name="测试省一市", level=Jurisdiction.Level.CITY, parent=province
    )
    county = JurisdictionFactory(
        code="990102", name="测试省一区", level=Jurisdiction.Level.DISTRICT, parent=city
    )
    admin = UserFactory(username="province-admin", role=Role.ADMIN, jurisdiction=province)
    for place in (province, city, county, county):
        make_case("fee", place, admin)
    for _ in range(3):  # outside the province: never counted for its admin
        make_case("item", county_a, alice)
    make_case("item", county_b, bob)
    return admin


def total_shown(client, user: User, query: str = "") -> int:
    client.force_login(user)
    html = client.get(reverse("tracker:case_list") + query).content.decode()
    return int(re.search(r"共 (\d+) 条", html).group(1))


def test_scope_total_is_the_scope_count(province_world):
    total = selectors.scope_total(province_world)
    assert total is not None
    assert Case.objects.annotate(t=total).values_list("t", flat=True).first() == 4
    assert Case.objects.for_user(province_world).count() == 4


def test_narrower_scopes_count_directly(province_world, alice):
    assert selectors.scope_total(alice) is None


def test_list_page_shows_the_exact_total(client, province_world, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # 25 per page: make the province's list span two pages.
    for _ in range(26):
        make_case("fee", Jurisdiction.objects.get(code="990102"), province_world)
    assert total_shown(client, province_world) == 30
    assert total_shown(client, province_world, "?page=2") == 30
    assert total_shown(client, province_world, "?kind=fee") == 30
    city = Jurisdiction.objects.get(code="990100")
    assert total_shown(client, province_world, f"?jurisdiction={city.pk}") == 29


def test_province_counts_keep_only_the_province(province_world):
    """The dashboard's counts for a province group the whole table and keep the province's
    jurisdictions: the same as counting the scope, nothing from outside."""
    counts = selectors.scope_counts(province_world)
    assert sum(row[3] for row in counts.by_place) == 4
    inside = set(Jurisdiction.objects.filter(code__startswith="99").values_list("pk", flat=True))
    assert {row[0] for row in counts.by_place} <= inside
    assert counts.dispositions == {}
    html_counts = selectors.dashboard(province_world, counts=counts)
    assert html_counts["grand_total"] == 4
