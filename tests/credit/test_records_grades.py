"""Credit records (append-only, corrections supersede, in the audit chain) and grades as of a
date under the rule version in force then."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from intermediaries.credit import scoring, services
from intermediaries.credit.models import CreditRecord, ScoringRule
from tests.credit.conftest import publish_rule
from tests.factories import IntermediaryFirmFactory
from tracker.audit.chain import verify_chain
from tracker.models import AuditChainEntry

D = datetime.date


def add(firm, kind, day, by, **kw):
    return services.record_add(
        firm=firm,
        kind=kind,
        effective_date=day,
        by=by,
        reason=kw.pop("reason", "依据处罚决定书录入"),
        doc_no=kw.pop("doc_no", "甲市监罚〔2026〕12号"),
        evidence=kw.pop("evidence", "行政处罚决定书"),
        **kw,
    )


def test_staff_record_with_document_number_joins_the_chain(alice, firm_a, kinds):
    record = add(firm_a, kinds["penalty"], D(2026, 3, 1), alice)
    assert record.expires_on == D(2026, 3, 1) + datetime.timedelta(days=1095)
    assert record.recorded_by == alice and record.jurisdiction_id == firm_a.jurisdiction_id
    history = record.history.get()
    assert history.history_user == alice and history.history_change_reason == "依据处罚决定书录入"
    assert AuditChainEntry.objects.filter(
        model="credit.historicalcreditrecord", row_id=history.history_id
    ).exists()
    assert verify_chain().ok


def test_document_record_needs_a_document_number(alice, firm_a, kinds):
    with pytest.raises(ValidationError) as exc:
        add(firm_a, kinds["penalty"], D(2026, 3, 1), alice, doc_no="")
    assert "文号" in str(exc.value)
    assert not CreditRecord.objects.exists()


def test_other_county_staff_cannot_record(bob, firm_a, kinds):
    with pytest.raises(PermissionDenied):
        add(firm_a, kinds["penalty"], D(2026, 3, 1), bob)


def test_records_are_append_only_in_python_and_in_the_database(alice, firm_a, kinds):
    record = add(firm_a, kinds["penalty"], D(2026, 3, 1), alice)
    record.doc_no = "改过的文号"
    with pytest.raises(ValidationError):
        record.save()
    table = CreditRecord._meta.db_table
    for sql in (f"UPDATE {table} SET doc_no = 'x'", f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert CreditRecord.objects.get().doc_no == "甲市监罚〔2026〕12号"


def test_correction_supersedes_and_the_old_record_stops_counting(alice, carol, firm_a, kinds):
    with time_machine.travel(datetime.datetime(2026, 1, 1, 9), tick=False):
        publish_rule(carol, effective_from=D(2026, 1, 1))
    wrong = add(firm_a, kinds["judgment"], D(2026, 2, 1), alice)
    assert scoring.firm_grade(firm_a.pk, D(2026, 3, 1)).score == 70
    fixed = services.record_correct(
        record=wrong,
        by=alice,
        reason="误将行政处罚录为法院判决",
        kind=kinds["penalty"],
        effective_date=D(2026, 2, 1),
        doc_no="甲市监更〔2026〕1号",
    )
    assert fixed.supersedes == wrong
    grade = scoring.firm_grade(firm_a.pk, D(2026, 3, 1))
    assert grade.score == 80 and [c.record_id for c in grade.contributions] == [fixed.pk]
    with pytest.raises(ValidationError):  # a superseded record is corrected once only
        services.record_correct(
            record=wrong,
            by=alice,
            reason="再次更正",
            kind=kinds["void"],
            effective_date=D(2026, 2, 1),
            doc_no="x",
        )
    CreditRecord.objects.get(pk=wrong.pk)  # still there, unchanged


def test_overlapping_bands_are_refused_with_the_overlap_named(carol, kinds):
    bands = [
        {"band": "A", "min": 90, "max": None},
        {"band": "B", "min": 70, "max": 95},
        {"band": "C", "min": 60, "max": 70},
        {"band": "D", "min": None, "max": 60},
    ]
    with pytest.raises(ValidationError) as exc:
        publish_rule(carol, effective_from=datetime.date.today(), bands=bands)
    assert "重叠" in str(exc.value)
    gap = [dict(b) for b in scoring.bands_from_thresholds(90, 75, 60)]
    gap[1]["max"] = 85
    with pytest.raises(ValidationError) as exc:
        publish_rule(carol, effective_from=datetime.date.today(), bands=gap)
    assert "空档" in str(exc.value)
    assert not ScoringRule.objects.exists()


def test_rule_needs_admin_document_number_and_no_back_dating(alice, carol, kinds):
    with pytest.raises(PermissionDenied):
        publish_rule(alice, effective_from=datetime.date.today())
    with pytest.raises(ValidationError):
        publish_rule(carol, effective_from=datetime.date.today(), doc_no="")
    with pytest.raises(ValidationError) as exc:
        publish_rule(carol, effective_from=datetime.date.today() - datetime.timedelta(days=1))
    assert "追溯" in str(exc.value)


def test_grade_at_two_dates_with_a_rule_change_between(alice, carol, firm_a, kinds):
    with time_machine.travel(datetime.datetime(2026, 1, 1, 9), tick=False):
        v1 = publish_rule(carol, effective_from=D(2026, 1, 1))
        add(firm_a, kinds["penalty"], D(2026, 1, 1), alice)
    with time_machine.travel(datetime.datetime(2026, 3, 1, 9), tick=False):
        before = scoring.firm_grade(firm_a.pk, D(2026, 3, 1))
    assert (before.rule, before.score, before.band) == (v1, 80, "B")
    with time_machine.travel(datetime.datetime(2026, 6, 1, 9), tick=False):
        v2 = publish_rule(
            carol,
            effective_from=D(2026, 6, 1),
            doc_no="测信用〔2026〕9号",
            points={"penalty": -35},
            reason="加大行政处罚扣分",
        )
    assert v2.version == 2
    old = scoring.firm_grade(firm_a.pk, D(2026, 3, 1))
    new = scoring.firm_grade(firm_a.pk, D(2026, 7, 1))
    assert (old.rule, old.score, old.band) == (v1, 80, "B")  # the old date keeps the old grade
    assert (new.rule, new.score, new.band) == (v2, 65, "C")
    assert (
        "-35" in new.contributions[0].explanation and "行政处罚" in new.contributions[0].explanation
    )


def test_expiry_and_linear_decay(alice, carol, firm_a, kinds):
    with time_machine.travel(datetime.datetime(2026, 1, 1, 9), tick=False):
        publish_rule(carol, effective_from=D(2026, 1, 1), decay="linear")
        add(firm_a, kinds["penalty"], D(2026, 1, 1), alice, expires_on=D(2026, 1, 11))
    assert scoring.firm_grade(firm_a.pk, D(2026, 1, 1)).score == 80
    assert scoring.firm_grade(firm_a.pk, D(2026, 1, 6)).score == 90
    assert scoring.firm_grade(firm_a.pk, D(2026, 1, 11)).score == 100  # expired: no longer counts
    assert scoring.firm_grade(firm_a.pk, D(2025, 12, 31)).rule is None  # no rule in force yet


def test_all_grades_in_one_pass_agree_with_one_firm_at_a_time(alice, carol, county_a, kinds):
    import random

    with time_machine.travel(datetime.datetime(2026, 1, 1, 9), tick=False):
        publish_rule(carol, effective_from=D(2026, 1, 1))
    rng = random.Random(7)
    firms = [IntermediaryFirmFactory(jurisdiction=county_a) for _ in range(6)]
    codes = ["penalty", "praise", "check_rectify", "evaluation_good"]
    for _ in range(25):
        add(
            rng.choice(firms),
            kinds[rng.choice(codes)],
            D(2026, 1, 1) + datetime.timedelta(days=rng.randrange(200)),
            alice,
        )
    for day in (D(2026, 2, 1), D(2026, 5, 1), D(2027, 6, 1)):
        bulk = scoring.grades_as_of(day)
        for firm in firms:
            one = scoring.firm_grade(firm.pk, day)
            assert (bulk[firm.pk].score, bulk[firm.pk].band) == (one.score, one.band)
