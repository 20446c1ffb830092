"""What a benchmark build returns, and the low-level row writers it shares.

``BuildResult`` is what ``manage.py bench`` reads of the data it built; ``_write_final_state``
is the one prepared UPDATE that writes the cases' and milestones' final state; ``_aware`` dates
a row within a day.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from tracker.models import Jurisdiction, User


@dataclass
class BuildResult:
    """What the benchmark needs to know about the data it built."""

    cases: int = 0
    history_rows: int = 0
    province_admin: User | None = None
    county_staff: User | None = None
    filter_city: Jurisdiction | None = None
    big_case_reference: str = ""
    big_case_events: int = 0
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)


def _write_final_state(model, objs: list, fields: list[str]) -> None:
    """Write the rows' final state; every change leading to it has a chained history row.

    One prepared UPDATE executed for many rows: Django's bulk_update builds a CASE WHEN per
    field and batch, which costs more than all the inserts of the data set together.
    """
    if not objs:
        return
    qn = connection.ops.quote_name
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    sets = ", ".join(f"{qn(f.column)} = %s" for f in columns)
    sql = f"UPDATE {qn(meta.db_table)} SET {sets} WHERE {qn(meta.pk.column)} = %s"
    params = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns] + [obj.pk]
        for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _aware(day: datetime.date, seconds: int) -> datetime.datetime:
    base = datetime.datetime.combine(day, datetime.time(8, 30))
    return timezone.make_aware(base + datetime.timedelta(seconds=seconds))
