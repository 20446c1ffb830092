"""The API × persona matrix: GET with each persona's token (own county, another county's
objects, city admin, inspector, viewer) against an explicit table; anonymous is 401."""

from __future__ import annotations

import datetime

import pytest

from tests.api_support import api_client, token_for
from tests.factories import IntermediaryFirmFactory, make_case
from tracker.models import MonthlyReport

PERSONAS = ("anon", "own", "other", "carol", "ivan", "vera")
# url template | answers per persona ({ref}, {firm}, {report} are county A's, or B's for "other")
TABLE = """
/api/v1/cases/                          | 401 200 200 200 200 403
/api/v1/cases/{ref}/                    | 401 200 404 200 200 403
/api/v1/cases/{ref}/timeline/           | 401 200 404 200 200 403
/api/v1/cases/{ref}/notes/              | 401 200 404 200 200 403
/api/v1/cases/{ref}/evidence/           | 401 200 404 200 200 403
/api/v1/audit/                          | 401 403 403 200 200 403
/api/v1/red-flags/                      | 401 403 403 200 200 403
/api/v1/reports/                        | 401 200 200 200 200 200
/api/v1/reports/{report}/               | 401 200 404 200 200 200
/api/v1/firms/                          | 401 200 200 200 200 403
/api/v1/firms/{firm}/                   | 401 200 404 200 200 403
/api/v1/webhooks/                       | 401 403 403 200 403 403
/api/v1/catalogues/                     | 200 200 200 200 200 200
"""


@pytest.fixture
def objects(city, county_a, county_b, dept_a, dept_b, alice, bob, carol):
    out = {}
    for key, county, staff in (("a", county_a, alice), ("b", county_b, bob)):
        report = MonthlyReport.objects.create(
            jurisdiction=county,
            month=datetime.date(2026, 10, 1),
            created_by=carol,
            state=MonthlyReport.State.ISSUED,
            sha256="0" * 64,
        )
        out[key] = {
            "ref": make_case("item", county, staff).reference,
            "firm": IntermediaryFirmFactory(jurisdiction=county).pk,
            "report": report.pk,
        }
    return out


def test_api_matrix(objects, alice, carol, ivan, vera):
    keys = {
        "own": token_for(alice),
        "carol": token_for(carol),
        "ivan": token_for(ivan),
        "vera": token_for(vera),
    }
    keys["other"] = keys["own"]
    mismatches = []
    for line in TABLE.strip().splitlines():
        template, answers = (part.strip() for part in line.split("|"))
        for persona, expected in zip(PERSONAS, answers.split(), strict=True):
            side = "b" if persona == "other" else "a"
            url = template.format(**objects[side])
            got = api_client(keys.get(persona)).get(url)
            if got.status_code != int(expected):
                mismatches.append(f"{url} as {persona}: expected {expected}, got {got.status_code}")
            if got.status_code >= 400:
                assert "error" in got.json()
    assert not mismatches, "\n".join(mismatches)
