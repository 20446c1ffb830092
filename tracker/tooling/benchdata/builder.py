"""``Builder`` and ``build``: the whole benchmark data set, step by step.

The builder is the object the kinds' bench hooks receive (tracker.tooling.kinddata says what
of it a hook may use); its parts are ``ReferenceMixin`` (jurisdictions, departments, users,
the apps' set-up), ``CasesMixin`` (the bulk-inserted cases and their year of history) and
``TimelineMixin`` (the cases with 200 and 500 history events).
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable

from django.db import connection
from django.utils import timezone

from tracker.cases.registry import data_setups
from tracker.tooling.benchdata.cases import CasesMixin
from tracker.tooling.benchdata.reference import ReferenceMixin
from tracker.tooling.benchdata.rows import BuildResult
from tracker.tooling.benchdata.timeline import TimelineMixin


class Builder(ReferenceMixin, CasesMixin, TimelineMixin):
    """Builds the data set; ``progress`` receives one line per step."""

    def __init__(
        self,
        n_cases: int,
        history_per_case: int,
        *,
        seed: int = 20240601,
        progress: Callable[[str], None] = lambda _msg: None,
    ):
        self.n = n_cases
        self.k = max(1, history_per_case)
        self.rng = random.Random(seed)
        self.progress = progress
        self.today = timezone.localdate()
        self.year_start = self.today - datetime.timedelta(days=365)
        self.result = BuildResult()
        self.history_rows = 0
        self.ref_counters: dict[str, int] = {}
        # What the apps' set-up built, by app (tracker.tooling.kinddata).
        self.extra: dict[str, object] = {}

    def build(self) -> BuildResult:
        started = time.perf_counter()
        fast = connection.vendor == "sqlite"
        if fast:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous=OFF")
        self.progress("  jurisdictions, departments, users and the apps' reference data")
        self.jurisdictions()
        self.departments()
        self.users()
        self.setups()
        self.cases()
        self.counters()
        self.progress("  the cases with 200 and 500 history events")
        self.big_case()
        self.big_case(500, "时间线基准500")
        if fast:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous=NORMAL")
        self.result.history_rows = self.history_rows
        self.result.seconds = time.perf_counter() - started
        self.result.counts = self._counts()
        return self.result

    def _counts(self) -> dict[str, int]:
        """Rows built, by what they are (the apps add theirs through ``bench_counts``)."""
        return {
            "jurisdictions": len(self.all_jurisdictions),
            "departments": sum(len(v) for v in self.depts_by_juris.values()),
            **{
                key: value
                for setup in data_setups()
                if setup.bench_counts is not None
                for key, value in setup.bench_counts(self).items()
            },
            "cases": self.result.cases + 1,
            "history_rows": self.history_rows,
        }


def build(
    n_cases: int, history_per_case: int, *, progress: Callable[[str], None] = lambda _m: None
) -> BuildResult:
    return Builder(n_cases, history_per_case, progress=progress).build()
