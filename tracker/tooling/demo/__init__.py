"""The demo data of ``manage.py seed_demo``: a made-up city with a year of clean-up work.

* ``city``: the fictional city 青岚市 (code 339900), its counties, departments, logins, texts;
* ``setup``: its reference data (logins, jurisdictions, departments, the apps' ``DataSetup``);
* ``planning``: each case's kind, final status, dates and ordered steps (``Plan``);
* ``steps``: the steps, written through ``tracker.cases.services`` on their day;
* ``seeder``: ``DemoSeeder``, which runs it all in date order and prints the logins.

What each case is about comes from its kind's app through the kind registry (``CaseKind.demo``,
tracker.tooling.kinddata), and the reference data they need (firms, approval items) from the
apps' ``DataSetup``; this package never imports them.
"""

from tracker.tooling.demo.planning import Plan
from tracker.tooling.demo.seeder import DemoSeeder

__all__ = ["DemoSeeder", "Plan"]
