"""``DemoSeeder``: builds the demo city and a year of its clean-up work, for demos only.

Cases are written only through ``tracker.cases.services`` so the history (user, reason, date)
looks like a real year of work; the clock is moved with time-machine so history dates spread
from January to yesterday. The seeder is the ``ctx`` the kinds' demo hooks receive
(tracker.tooling.kinddata says what of it a hook may use). It refuses to touch a database that
holds anything but its own demo data.
"""

from __future__ import annotations

import datetime
import random
import time
from collections import Counter
from typing import Any

import time_machine
from django.conf import settings
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from tracker.cases.registry import data_setups, get_kind
from tracker.cases.workflow import Role, Status
from tracker.models import Case, Department, Jurisdiction, User
from tracker.tooling.demo.city import CITY, DEMO_PASSWORD, DEMO_USERNAMES, DEMO_USERS, DEPARTMENTS
from tracker.tooling.demo.planning import Plan, PlanningMixin
from tracker.tooling.demo.setup import SetupMixin
from tracker.tooling.demo.steps import StepsMixin


class DemoSeeder(SetupMixin, PlanningMixin, StepsMixin):
    """Seeds the demo; ``stdout`` and ``style`` are the management command's."""

    def __init__(self, stdout: Any, style: Any) -> None:
        self.stdout = stdout
        self.style = style

    def seed(self, n_cases: int) -> None:
        """Seed ``n_cases`` demo cases, or only print the logins if the demo is there."""
        if self._demo_present():
            self.stdout.write("演示数据已存在，未做任何修改。demo data already present.")
            self._print_logins()
            return
        self._refuse_non_demo_data()

        started = time.perf_counter()
        self.rng = random.Random(2026)
        self.today = timezone.localdate()
        start = datetime.date(self.today.year, 1, 6)
        if (self.today - start).days < 120:
            start = self.today - datetime.timedelta(days=300)
        self.window_start = start
        self.max_bytes = settings.EVIDENCE_MAX_BYTES
        self.doc_counters: dict[str, int] = {}
        # What the apps' set-up built, by app (tracker.tooling.kinddata).
        self.extra: dict[str, Any] = {}
        self.department_catalogue = DEPARTMENTS

        with transaction.atomic(), time_machine.travel(self._at(start, 8, 30), tick=False) as tm:
            self.tm = tm
            self._seed_setup()
            plans = [self._plan_case(i, kind) for i, kind in enumerate(self._kind_list(n_cases))]
            self._run(plans)

        self._report(plans, time.perf_counter() - started)

    # --- guards ------------------------------------------------------------------------

    def _demo_present(self) -> bool:
        city = Jurisdiction.objects.filter(code=CITY[0], name=CITY[1]).exists()
        users = User.objects.filter(username__in=DEMO_USERNAMES).count()
        return city and users == len(DEMO_USERNAMES)

    def _refuse_non_demo_data(self) -> None:
        reasons = []
        if Jurisdiction.objects.exists():
            reasons.append(f"行政区划 {Jurisdiction.objects.count()} 条")
        if Case.objects.exists():
            reasons.append(f"台账事项 {Case.objects.count()} 件")
        taken = list(
            User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True)
        )
        if taken:
            reasons.append("已有用户 " + "、".join(sorted(taken)))
        if reasons:
            raise CommandError(
                "数据库中已有非演示数据（"
                + "；".join(reasons)
                + "），拒绝生成演示数据。请在空数据库上运行。"
                " Refusing to seed: the database already holds non-demo data; "
                "run seed_demo on an empty database."
            )

    # --- running -----------------------------------------------------------------------

    def _at(self, day: datetime.date, hour: int, minute: int) -> datetime.datetime:
        naive = datetime.datetime.combine(day, datetime.time(hour, minute))
        return timezone.make_aware(naive, timezone.get_default_timezone())

    def _run(self, plans: list[Plan]) -> None:
        """Run every step of every case in date order, with the clock at that moment."""
        events = []
        for plan in plans:
            previous = None
            for seq, (day, action) in enumerate(plan.steps):
                moment = self._at(day, 9, 0) + datetime.timedelta(minutes=self.rng.randint(0, 510))
                if previous is not None and moment <= previous:
                    moment = previous + datetime.timedelta(minutes=3)
                previous = moment
                events.append((moment, plan.index, seq, action, day))
        events.sort(key=lambda e: (e[0], e[1], e[2]))
        by_index = {p.index: p for p in plans}
        for moment, index, _seq, action, _day in events:
            self.tm.move_to(moment)
            action(by_index[index], timezone.localdate())

    # --- output ------------------------------------------------------------------------

    def _report(self, plans: list[Plan], seconds: float) -> None:
        statuses = Counter(Case.objects.values_list("status", flat=True))
        kinds = Counter(Case.objects.values_list("kind", flat=True))
        overdue = Case.objects.overdue().count()
        extras = "".join(f"{s.demo_summary(self)}，" for s in data_setups() if s.demo_summary)
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成演示数据：行政区划 {Jurisdiction.objects.count()} 个，"
                f"部门 {Department.objects.count()} 个，{extras}"
                f"台账事项 {len(plans)} 件（逾期 {overdue} 件），用时 {seconds:.1f} 秒。"
            )
        )
        self.stdout.write(
            "类别：" + "，".join(f"{str(get_kind(k).label)} {c}" for k, c in sorted(kinds.items()))
        )
        self.stdout.write(
            "状态：" + "，".join(f"{Status(s).label} {statuses.get(s, 0)}" for s in Status)
        )
        self._print_logins()

    def _print_logins(self) -> None:
        """The demo login table, printed on every run (fresh seed or demo data already there)."""
        names = dict(Jurisdiction.objects.values_list("code", "name"))
        self.stdout.write("")
        self.stdout.write("演示账号 / demo logins:")
        rows = [("用户名 username", "角色 role", "所属行政区划 jurisdiction", "密码 password")]
        for username, role, code, _last, _first in DEMO_USERS:
            rows.append((username, f"{Role(role).label}（{role}）", names[code], DEMO_PASSWORD))
        widths = [max(_width(r[i]) for r in rows) for i in range(4)]
        for n, row in enumerate(rows):
            self.stdout.write("  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)))
            if n == 0:
                self.stdout.write("  ".join("-" * w for w in widths))


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(c) > 0x2E7F else 1 for c in str(text))


def _pad(text: str, width: int) -> str:
    return str(text) + " " * (width - _width(text))
