"""``manage.py seed_demo``: a made-up city with a year of clean-up work, for demos only.

Everything is fictional: the city 青岚市 (code 339900, not a real GB/T 2260 division), its
districts and counties, departments, firms, fees and people. The work is done by
``tracker.tooling.demo.DemoSeeder``; what each case is about comes from its kind's app through
the kind registry (``CaseKind.demo``, tracker.tooling.kinddata), and the core never imports
them. The command refuses to touch a database that holds anything but its own demo data.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker.tooling.demo import DemoSeeder


class Command(BaseCommand):
    help = "生成演示数据（虚构的青岚市及其区县、部门、中介机构和约300件台账事项）。Seed demo data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--cases", type=int, default=300, help="生成的台账事项数量（默认 300）。"
        )

    def handle(self, *args, **options) -> None:
        n_cases = options["cases"]
        if not 10 <= n_cases <= 5000:
            raise CommandError("--cases 须在 10 到 5000 之间。--cases must be between 10 and 5000.")
        DemoSeeder(self.stdout, self.style).seed(n_cases)
