"""``manage.py bench``: province-scale benchmarks in a database of their own.

The command (``tracker/management/commands/bench.py``) only reads its options; the parts are
here: ``database`` (the temporary database), ``runner`` (build, then every figure group),
``pages`` and ``features`` (the measurements), ``targets`` (sizes, targets, the comparison)
and ``output`` (the printed table). See docs/performance.md.
"""

from tracker.tooling.bench.database import BenchDatabase, analyze, db_version
from tracker.tooling.bench.targets import PAGE_TARGETS, evaluate, percentile

__all__ = ["PAGE_TARGETS", "BenchDatabase", "analyze", "db_version", "evaluate", "percentile"]
