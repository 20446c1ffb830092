"""Synthetic province-scale data for ``manage.py bench``.

Everything here is made up: the province 基准省 (code 990000, no real GB/T 2260 province uses
99), its 10 cities and 100 counties/districts, 2,000 departments, firms, officials and fees.
The subjects of each kind's cases (and reference data such as the firms) come from the kind's
app through the kind registry (``CaseKind.bench``, a ``DataSetup``; tracker.tooling.kinddata):
this package never imports them.

Every tracked row is written through the fast bulk path with history
(``tracker.imports.bulk.bulk_insert_with_history``, the import's path) in its *initial* state;
the year of status changes, edits and milestone completions that follow is written as the rows'
final state plus one history row per change, built as rows and inserted and linked into the
audit chain with ``tracker.imports.bulk.insert_chained`` in the same transaction. So the chain covers every history row
and ``verify_chain`` passes on the result, exactly as on data entered through the services.

The modules: ``names`` (sizes, status mix, name pools), ``rows`` (``BuildResult`` and the row
writers), ``reference`` (jurisdictions, departments, users, the apps' set-up), ``cases`` (the
bulk-inserted cases and their year of history), ``timeline`` (the cases with 200 and 500
history events) and ``builder`` (``Builder`` and ``build``). Every name is importable from
here as before the split.
"""

from tracker.tooling.benchdata.builder import Builder, build
from tracker.tooling.benchdata.names import (
    CHUNK,
    COUNTIES_PER_CITY,
    DEPT_NAMES,
    FORWARD,
    GIVEN,
    N_CITIES,
    N_DEPARTMENTS,
    PROVINCE,
    REASON,
    STATUS_WEIGHTS,
    SURNAMES,
)
from tracker.tooling.benchdata.rows import BuildResult, _aware, _write_final_state

__all__ = [
    "CHUNK",
    "COUNTIES_PER_CITY",
    "DEPT_NAMES",
    "FORWARD",
    "GIVEN",
    "N_CITIES",
    "N_DEPARTMENTS",
    "PROVINCE",
    "REASON",
    "STATUS_WEIGHTS",
    "SURNAMES",
    "BuildResult",
    "Builder",
    "_aware",
    "_write_final_state",
    "build",
]
