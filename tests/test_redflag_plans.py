"""The red-flag rules' SQL stays cheap as the register grows: the "official still in post"
rule looks up posts by firm through an index even when most posts name no registered firm
(a plan that scanned every post per decoupling case made the 100,000-case rebuild take 20
minutes instead of seconds)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import make_case
from tracker.models import Case
from tracker.redflags.rules import entries

pytestmark = pytest.mark.django_db


def rule(code: str):
    return next(e.rule for e in entries() if e.code == code)


def test_posts_are_found_by_firm_through_an_index(alice, county_a, dept_a):
    for i in range(40):  # posts naming firms that are not in the register (firm NULL)
        make_case("post", county_a, alice, person_ref=f"P-{i}", firm_name=f"某某公司{i}")
    make_case("firm", county_a, alice, agency=dept_a)
    query = Case.objects.filter(rule("decoupling_official_in_post").q(timezone.localdate()))
    sql, params = query.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = [row[-1] for row in cursor.fetchall()]
            posts = [step for step in plan if " U0" in step]
            assert posts and all("USING INDEX" in step for step in posts), plan
        else:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'officialpost_linked_firm'"
            )
            [(definition,)] = cursor.fetchall()
            assert "(firm_id)" in definition and "firm_id IS NOT NULL" in definition
            cursor.execute("ANALYZE intermediaries_officialpost")
            cursor.execute("EXPLAIN " + sql, params)
            assert cursor.fetchall()  # the rule's SQL plans on PostgreSQL too
    assert list(query) == []  # and answers: no official holds a post in that firm
