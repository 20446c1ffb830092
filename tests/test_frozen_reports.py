"""An issued monthly report is frozen in the database itself: UPDATE and DELETE are refused."""

from __future__ import annotations

import datetime

import pytest
from django.db import DatabaseError, connection, transaction

from tracker.models import MonthlyReport


@pytest.fixture
def reports(county_a, carol):
    month = datetime.date(2026, 10, 1)
    draft = MonthlyReport.objects.create(jurisdiction=county_a, month=month, created_by=carol)
    issued = MonthlyReport.objects.create(
        jurisdiction=county_a, month=month, created_by=carol, state=MonthlyReport.State.ISSUED
    )
    return draft, issued


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE tracker_monthlyreport SET narrative_progress = 'x' WHERE id = %s",
        "DELETE FROM tracker_monthlyreport WHERE id = %s",
    ],
)
def test_issued_report_rows_cannot_be_changed(reports, sql):
    _draft, issued = reports
    with pytest.raises(DatabaseError, match="frozen"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [issued.pk])
    issued.refresh_from_db()
    assert issued.narrative_progress == ""


def test_a_draft_can_still_be_edited(reports):
    draft, _issued = reports
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tracker_monthlyreport SET narrative_progress = 'ok' WHERE id = %s", [draft.pk]
        )
    draft.refresh_from_db()
    assert draft.narrative_progress == "ok"
