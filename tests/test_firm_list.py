"""The firm register's list: filters in intermediaries/filters.py, the table in tables.py."""

from __future__ import annotations

import pytest
from django.urls import reverse

from intermediaries.models import AffiliationType, IntermediaryFirm
from tests.factories import IntermediaryFirmFactory


@pytest.fixture
def firms(county_a, county_b):
    return {
        "a_owned": IntermediaryFirmFactory(
            jurisdiction=county_a,
            name="甲区建设工程咨询中心",
            affiliation_type=AffiliationType.ATTACHED,
        ),
        "a_free": IntermediaryFirmFactory(
            jurisdiction=county_a, name="甲区测绘有限公司", affiliation_type=AffiliationType.NONE
        ),
        "b": IntermediaryFirmFactory(jurisdiction=county_b, name="乙区测绘有限公司"),
    }


def names(response) -> list[str]:
    assert response.status_code == 200
    return sorted(row.record.name for row in response.context["table"].page.object_list)


def test_list_filters_and_sorts_within_scope(client_as, alice, carol, firms):
    url = reverse("intermediaries:firm_list")
    assert names(client_as(alice).get(url)) == ["甲区建设工程咨询中心", "甲区测绘有限公司"]
    assert names(client_as(carol).get(url, {"q": "测绘"})) == [
        "乙区测绘有限公司",
        "甲区测绘有限公司",
    ]
    owned = {"affiliation_type": AffiliationType.ATTACHED}
    assert names(client_as(carol).get(url, owned)) == ["甲区建设工程咨询中心"]
    code = firms["a_free"].credit_code
    assert names(client_as(alice).get(url, {"q": code.lower()})) == ["甲区测绘有限公司"]
    response = client_as(carol).get(url, {"sort": "-name"})
    rows = response.context["table"].page.object_list
    assert [row.record.name for row in rows][0] == "甲区测绘有限公司"
    page = response.content.decode()
    assert reverse("intermediaries:firm_detail", args=[firms["a_free"].pk]) in page


def test_bad_filter_values_show_an_error_not_a_crash(client_as, carol, firms):
    url = reverse("intermediaries:firm_list")
    response = client_as(carol).get(url, {"legal_form": "nope", "page": "x", "per_page": "-1"})
    assert response.status_code == 200
    assert response.context["filter"].errors
    assert IntermediaryFirm.objects.count() == 3
