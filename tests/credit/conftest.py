"""Credit fixtures: firms in county A and B, the default record kinds and a first rule."""

from __future__ import annotations

import datetime

import pytest

from intermediaries.credit import scoring, services
from intermediaries.credit.models import ScoringRule
from tests.factories import IntermediaryFirmFactory


def publish_rule(by, *, effective_from: datetime.date, **overrides) -> ScoringRule:
    """A rule version through the service (which refuses a date before today: the caller moves
    the clock with time_machine when the rule must lie in the past)."""
    kwargs = {
        "name": "中介机构信用评价办法",
        "doc_no": "测信用〔2026〕1号",
        "effective_from": effective_from,
        "bands": scoring.bands_from_thresholds(90, 75, 60),
        "reason": "首次发布",
        "abnormal_below": 60,
        "black_below": 40,
        "black_kinds": ["judgment"],
        "repair_days": 180,
    }
    kwargs.update(overrides)
    return services.rule_publish(by=by, **kwargs)


@pytest.fixture
def kinds(carol):
    return {k.code: k for k in services.catalogue_ensure(by=carol)}


@pytest.fixture
def firm_a(county_a):
    return IntermediaryFirmFactory(jurisdiction=county_a, name="甲区测绘咨询有限公司")


@pytest.fixture
def firm_b(county_b):
    return IntermediaryFirmFactory(jurisdiction=county_b, name="乙区评估事务所")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The complaint rate limit lives in the cache: every test starts with none spent."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
