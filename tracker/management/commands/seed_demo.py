"""``manage.py seed_demo``: a made-up city with a year of clean-up work, for demos only.

Everything is fictional: the city 青岚市 (code 339900, not a real GB/T 2260 division), its
districts and counties, departments, firms, fees and people. What each case is about comes from
its kind's app through the kind registry (``CaseKind.demo``, tracker.tooling.kinddata), and the
reference data they need (firms, approval items) from the apps' ``DataSetup``; the core never
imports them. Cases are written only through
``tracker.cases.services`` so the history (user, reason, date) looks like a real year of work; the
clock is moved with time-machine so history dates spread from January to yesterday.

The command refuses to touch a database that holds anything but its own demo data.
"""

from __future__ import annotations

import datetime
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import time_machine
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from tracker.cases import services
from tracker.cases.registry import data_setups, get_kind, kinds
from tracker.cases.workflow import OPEN_STATUSES, Role, Status
from tracker.models import Case, Department, Jurisdiction, Milestone, Note, User

DEMO_PASSWORD = "tracker-demo"
SETUP_REASON = "演示数据初始化"

# --- the made-up city --------------------------------------------------------------------

CITY = ("339900", "青岚市", "岚")
# code, name, level, abbreviation used in document numbers
COUNTIES = [
    ("339902", "青湖区", "district", "青湖"),
    ("339903", "岚城区", "district", "岚城"),
    ("339904", "临江区", "district", "临江"),
    ("339905", "望潮区", "district", "望潮"),
    ("339906", "新川区", "district", "新川"),
    ("339921", "云岭县", "county", "云岭"),
    ("339922", "白溪县", "county", "白溪"),
    ("339923", "松岙县", "county", "松岙"),
    ("339924", "石坞县", "county", "石坞"),
    ("339981", "清源市", "county", "清源"),
    ("339982", "丰溪市", "county", "丰溪"),
    ("339983", "枫川市", "county", "枫川"),
]
STAFF_COUNTY = "339902"
STAFF2_COUNTY = "339921"
DEMO_CODES = frozenset([CITY[0]] + [c[0] for c in COUNTIES])

# key: (full-name suffix, short name, document-number abbreviation)
DEPARTMENTS = {
    "fgw": ("发展和改革委员会", "发展改革委", "发改"),
    "zjj": ("住房和城乡建设局", "住建局", "建"),
    "zrzy": ("自然资源和规划局", "自然资源规划局", "资规"),
    "sthj": ("生态环境局", "生态环境局", "环"),
    "scjg": ("市场监督管理局", "市场监管局", "市监"),
    "cz": ("财政局", "财政局", "财"),
    "jt": ("交通运输局", "交通运输局", "交"),
    "sl": ("水利局", "水利局", "水"),
    "wjw": ("卫生健康委员会", "卫生健康委", "卫健"),
    "yj": ("应急管理局", "应急管理局", "应急"),
}
# The city has every department; these counties have a few each (30 in all).
COUNTY_DEPARTMENTS = {
    "339902": ["zjj", "zrzy", "scjg", "cz"],
    "339921": ["fgw", "zjj", "sl", "yj"],
    "339903": ["zjj", "sthj", "jt"],
    "339904": ["zrzy", "scjg", "wjw"],
    "339922": ["sl", "zrzy", "cz"],
    "339981": ["fgw", "zjj", "scjg"],
}
# Share of cases per jurisdiction code (the rest spread over the counties without departments).
JURISDICTION_WEIGHTS = {
    "339900": 34,
    "339902": 18,
    "339921": 15,
    "339903": 5,
    "339904": 5,
    "339922": 5,
    "339981": 5,
}
OTHER_COUNTY_WEIGHT = 2

DEMO_USERS = [
    # username, role, jurisdiction code, last name, first name
    ("admin", Role.ADMIN, CITY[0], "演示", "管理员"),
    ("staff", Role.STAFF, STAFF_COUNTY, "演示", "青湖区工作人员"),
    ("staff2", Role.STAFF, STAFF2_COUNTY, "演示", "云岭县工作人员"),
    ("inspector", Role.INSPECTOR, CITY[0], "演示", "纪检监察"),
    ("viewer", Role.VIEWER, CITY[0], "演示", "领导"),
]
DEMO_USERNAMES = [u[0] for u in DEMO_USERS]

# Working notes, overdue explanations and withdrawal / reopening reasons (user-facing).
WORK_NOTES = [
    "已与责任部门电话沟通，补充材料预计下周报送。",
    "部门反馈设定依据为本级规范性文件，需进一步论证。",
    "已书面征求司法、市场监管部门意见。",
    "经对照上级清单，本项与上级保留事项名称不一致，已请部门说明。",
    "已现场核查，部门办事指南尚未同步修订。",
    "专题会议研究后同意按处理意见推进。",
    "已督促部门在政务服务网同步更新。",
    "部门提交的材料缺少设定依据原文，已退回补充。",
    "已抽查近三个月办件，未发现继续要求提供该材料的情况。",
]
OVERDUE_NOTES = [
    "需等待上级部门统一部署后调整，未能按期完成；已制定整改计划。",
    "企业变更登记需股东会决议，流程较长，正在督促办理。",
    "涉及人员安置，方案需经职工代表大会审议，进度滞后。",
    "部门机构调整，承办人员变动，导致材料报送延迟。",
    "收费目录调整需省级部门审核，尚未收到批复。",
    "审计评估报告尚在复核，预计近期出具。",
]
WITHDRAW_REASONS = [
    "重复登记，已并入同一事项的另一条记录。",
    "经核实不属于本轮清理范围。",
    "对应审批事项已由上级部门取消，本级无需另行处理。",
    "登记信息有误，已按正确信息重新登记。",
]
REOPEN_REASONS = [
    "回头看发现部门办事指南仍要求提供该材料，重新整改。",
    "回头看抽查发现仍有收费行为，重新整改。",
    "回头看发现与原挂靠机关仍存在资金往来，重新整改。",
    "回头看发现任职企业尚未完成变更登记，重新整改。",
]

# Minimum age in days of a case in each final status (room for its history).
MIN_AGE = {
    Status.REGISTERED: 3,
    Status.UNDER_REVIEW: 15,
    Status.DECIDED: 30,
    Status.IN_PROGRESS: 45,
    Status.COMPLETED: 60,
    Status.CLOSED: 80,
    Status.WITHDRAWN: 20,
}
STATUS_SHARES = [
    (Status.REGISTERED, 10),
    (Status.UNDER_REVIEW, 14),
    (Status.DECIDED, 10),
    (Status.IN_PROGRESS, 24),
    (Status.COMPLETED, 12),
    (Status.CLOSED, 22),
    (Status.WITHDRAWN, 8),
]


@dataclass
class Plan:
    """One case to build: what it is, where, and the timed steps that make its history."""

    index: int
    kind: str
    jurisdiction: Jurisdiction
    department: Department | None
    actor: User
    final: str
    registered_on: datetime.date
    deadline: datetime.date
    overdue: bool
    subject: dict[str, Any]
    m2m: dict[str, Any]
    disposition: str
    steps: list[tuple[datetime.date, Callable[[Plan, datetime.date], None]]] = field(
        default_factory=list
    )
    case: Case | None = None


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

    # --- helpers -----------------------------------------------------------------------

    def _at(self, day: datetime.date, hour: int, minute: int) -> datetime.datetime:
        naive = datetime.datetime.combine(day, datetime.time(hour, minute))
        return timezone.make_aware(naive, timezone.get_default_timezone())

    def _doc(self, prefix: str, day: datetime.date) -> str:
        """The next made-up document number for an issuer, e.g. 岚发改〔2026〕12号."""
        key = f"{prefix}{day.year}"
        last = self.doc_counters.get(key) or self.rng.randint(1, 20)
        last += self.rng.randint(1, 3)
        self.doc_counters[key] = last
        return f"{prefix}〔{day.year}〕{last}号"

    def save(self, obj: Any, reason: str = SETUP_REASON) -> Any:
        services.tracked_save(obj, by=self.admin, reason=reason)
        return obj

    # --- reference data ----------------------------------------------------------------

    def _seed_setup(self) -> None:
        self.users: dict[str, User] = {}
        # One slow PBKDF2 hash shared by the five demo logins (the password is public anyway).
        self.password_hash = make_password(DEMO_PASSWORD)
        for username, role, _code, last, first in DEMO_USERS:
            user = User.objects.create_user(
                username=username,
                password=None,
                role=role,
                last_name=last,
                first_name=first,
                email=f"{username}@demo.invalid",
                is_staff=username == "admin",
            )
            self.users[username] = user
        self.admin = self.users["admin"]

        city = Jurisdiction(code=CITY[0], name=CITY[1], level=Jurisdiction.Level.CITY)
        city.full_clean(exclude=["path"])
        self.save(city)
        self.city = city
        self.jurisdictions: dict[str, Jurisdiction] = {city.code: city}
        self.abbr = {city.code: CITY[2]}
        for code, name, level, abbr in COUNTIES:
            j = Jurisdiction(code=code, name=name, level=level, parent=city)
            j.full_clean(exclude=["path"])
            self.save(j)
            self.jurisdictions[code] = j
            self.abbr[code] = abbr

        for username, _role, code, _last, _first in DEMO_USERS:
            user = self.users[username]
            user.jurisdiction = self.jurisdictions[code]
            user.password = self.password_hash
            services.tracked_save(user, by=self.admin, reason=SETUP_REASON, clean=False)

        # Departments: key -> jurisdiction code -> Department
        self.departments: dict[str, dict[str, Department]] = {}
        self.dept_key: dict[int, str] = {}
        layout = {city.code: list(DEPARTMENTS)} | COUNTY_DEPARTMENTS
        for code, keys in layout.items():
            j = self.jurisdictions[code]
            short_prefix = {"city": "市", "district": "区", "county": "县"}[j.level]
            if j.name.endswith("市"):
                short_prefix = "市"
            for n, key in enumerate(keys, start=1):
                suffix, short, _doc_abbr = DEPARTMENTS[key]
                if j.level != "city" and key in ("fgw", "wjw"):
                    suffix = {"fgw": "发展和改革局", "wjw": "卫生健康局"}[key]
                    short = {"fgw": "发展改革局", "wjw": "卫生健康局"}[key]
                dept = self.save(
                    Department(
                        jurisdiction=j,
                        name=f"{j.name}{suffix}",
                        short_name=f"{short_prefix}{short}",
                        code=f"{code}{n:02d}",
                    )
                )
                self.departments.setdefault(key, {})[code] = dept
                self.dept_key[dept.pk] = key

        self.department_layout = layout

        # Reference data of the domain apps (approval items, firms), in the apps' order.
        for setup in data_setups():
            if setup.demo is not None:
                setup.demo(self)

    # --- planning ----------------------------------------------------------------------

    def _kind_list(self, n: int) -> list[str]:
        """n case kinds in random order, by each kind's DemoKind.share (see there)."""
        demo_kinds = [k for k in kinds() if k.demo is not None]
        counts = {
            k.key: min(k.demo.limit(self), max(1, round(n * k.demo.share)))
            for k in demo_kinds
            if k.demo.limit is not None
        }
        rest = n - sum(counts.values())
        shared = [k for k in demo_kinds if k.demo.limit is None]
        for k in shared[:-1]:
            counts[k.key] = round(rest * k.demo.share)
        counts[shared[-1].key] = rest - sum(counts[k.key] for k in shared[:-1])
        keys = [k.key for k in demo_kinds for _ in range(counts[k.key])]
        self.rng.shuffle(keys)
        for k in demo_kinds:
            if k.demo.prepare is not None:
                k.demo.prepare(self)
        self.statuses = self._status_list(n)
        self.overdue_seeded = False
        return keys

    def _status_list(self, n: int) -> list[str]:
        total = sum(w for _s, w in STATUS_SHARES)
        counts = {s: max(1, n * w // total) for s, w in STATUS_SHARES}
        while sum(counts.values()) < n:
            counts[Status.IN_PROGRESS] += 1
        while sum(counts.values()) > n:
            biggest = max(counts, key=counts.get)
            counts[biggest] -= 1
        statuses = [s for s, c in counts.items() for _ in range(c)]
        self.rng.shuffle(statuses)
        return statuses

    def pick_jurisdiction(self, *, with_departments: bool) -> Jurisdiction:
        """A jurisdiction drawn by JURISDICTION_WEIGHTS (only those with departments, or all)."""
        codes, weights = [], []
        for code in self.jurisdictions:
            has_depts = code == CITY[0] or code in COUNTY_DEPARTMENTS
            if with_departments and not has_depts:
                continue
            codes.append(code)
            weights.append(JURISDICTION_WEIGHTS.get(code, OTHER_COUNTY_WEIGHT))
        return self.jurisdictions[self.rng.choices(codes, weights)[0]]

    def _actor(self, jurisdiction: Jurisdiction) -> User:
        if jurisdiction.code == STAFF_COUNTY:
            return self.users["staff"]
        if jurisdiction.code == STAFF2_COUNTY:
            return self.users["staff2"]
        return self.admin

    def departments_in(self, code: str) -> list[Department]:
        return [d for by_code in self.departments.values() for c, d in by_code.items() if c == code]

    def _plan_case(self, index: int, kind: str) -> Plan:
        rng = self.rng
        final = self.statuses[index]
        planned = get_kind(kind).demo.plan(self, index)

        # Dates: registration early enough for the final status; some open cases overdue.
        latest = self.today - datetime.timedelta(days=MIN_AGE[final])
        latest = max(latest, self.window_start)
        deadline = datetime.date(self.today.year, 12, 31)
        # At least the first open case is overdue, so every run has some.
        overdue = final in OPEN_STATUSES and (rng.random() < 0.3 or not self.overdue_seeded)
        self.overdue_seeded = self.overdue_seeded or overdue
        if overdue:
            rounds = [
                datetime.date(self.today.year, m, d)
                for m, d in ((6, 30), (8, 31), (9, 30), (10, 31), (11, 20))
            ]
            rounds = [
                d
                for d in rounds
                if self.window_start + datetime.timedelta(days=40) <= d < self.today
            ]
            deadline = rng.choice(rounds) if rounds else self.today - datetime.timedelta(days=10)
            latest = min(latest, deadline - datetime.timedelta(days=30))
            latest = max(latest, self.window_start)
        # Most cases are registered early in the year (the 摸底 wave), a tail later on.
        span = max((latest - self.window_start).days, 0)
        offset = round(rng.triangular(0, span, span * 0.15)) if span else 0
        registered_on = self.window_start + datetime.timedelta(days=offset)
        deadline = max(deadline, registered_on)

        plan = Plan(
            index=index,
            kind=kind,
            jurisdiction=planned.jurisdiction,
            department=planned.department,
            actor=self._actor(planned.jurisdiction),
            final=final,
            registered_on=registered_on,
            deadline=deadline,
            overdue=overdue and deadline < self.today,
            subject=planned.subject,
            m2m=planned.m2m,
            disposition=planned.disposition,
        )
        self._plan_steps(plan)
        return plan

    # --- steps -------------------------------------------------------------------------

    def _plan_steps(self, plan: Plan) -> None:
        """The ordered actions that take a case to its final status, each with a date."""
        rng = self.rng
        kind = get_kind(plan.kind)
        specs = kind.milestones
        n = len(specs)
        at_decision = kind.demo.done_at_decision
        last_required = max(i for i, s in enumerate(specs) if s.required)
        final = plan.final
        actions: list[Callable[[Plan, datetime.date], None]] = []

        def milestones(upto: int) -> None:
            actions.extend(self._milestone_step(i) for i in range(upto))

        def maybe_note() -> None:
            if rng.random() < 0.35:
                actions.append(self._note_step(rng.choice(WORK_NOTES)))

        if final == Status.WITHDRAWN:
            stage = rng.choice(
                [Status.REGISTERED, Status.UNDER_REVIEW, Status.DECIDED, Status.IN_PROGRESS]
            )
        else:
            stage = final
        reopened = final == Status.IN_PROGRESS and rng.random() < 0.12
        order = list(Status)
        reached = order.index(Status.CLOSED if reopened else stage)

        if reached == 0:
            milestones(rng.choice([0, 1]))
            maybe_note()
        if reached >= 1:
            done = rng.randint(1, at_decision - 1) if reached == 1 else at_decision
            milestones(1)
            actions.append(
                self._transition_step(Status.UNDER_REVIEW, "开始核查：已收到部门摸底材料。")
            )
            for i in range(1, done):
                actions.append(self._milestone_step(i))
            maybe_note()
        if reached >= 2:
            actions.append(self._decide_step())
        if reached >= 3:
            actions.append(self._transition_step(Status.IN_PROGRESS, "按处理决定开始整改。"))
            if reached == 3:
                upto = rng.randint(at_decision, last_required)
            else:
                upto = n
            for i in range(at_decision, upto):
                if not specs[i].required and rng.random() < 0.5:
                    continue
                actions.append(self._milestone_step(i))
            maybe_note()
        if reached >= 4:
            actions.append(self._transition_step(Status.COMPLETED, "必需节点已全部完成。"))
        if reached >= 5:
            actions.append(
                self._transition_step(Status.CLOSED, "经核查验收，同意销号。", admin=True)
            )
        if reopened:
            actions.append(
                self._transition_step(Status.IN_PROGRESS, rng.choice(REOPEN_REASONS), admin=True)
            )
            actions.append(self._note_step("已重新部署整改，责任部门限期报送整改情况。"))
        if final == Status.WITHDRAWN:
            actions.append(self._transition_step(Status.WITHDRAWN, rng.choice(WITHDRAW_REASONS)))

        # Dates: registration first, the rest spread (sorted) over part of the time left.
        first = plan.registered_on
        yesterday = self.today - datetime.timedelta(days=1)
        available = max((yesterday - first).days, 0)
        share = rng.uniform(0.75, 1.0) if final in OPEN_STATUSES else rng.uniform(0.4, 1.0)
        span = round(available * share)
        days = sorted(rng.randint(1, span) if span else 0 for _ in actions)
        plan.steps = [(first, self._create_step)]
        plan.steps += [
            (first + datetime.timedelta(days=d), a) for d, a in zip(days, actions, strict=True)
        ]
        if plan.overdue:
            after = max(plan.deadline + datetime.timedelta(days=1), plan.steps[-1][0])
            if after <= yesterday:
                when = after + datetime.timedelta(days=rng.randint(0, (yesterday - after).days))
                plan.steps.append((when, self._overdue_note_step()))

    # Each *_step returns a callable run on its day with the clock moved there.

    def _create_step(self, plan: Plan, day: datetime.date) -> None:
        plan.case = services.case_create(
            kind=get_kind(plan.kind),
            jurisdiction=plan.jurisdiction,
            by=plan.actor,
            case_fields={
                "department": plan.department,
                "owner": plan.actor,
                "registered_on": plan.registered_on,
                "deadline": plan.deadline,
            },
            subject_fields=plan.subject,
            m2m=plan.m2m,
            reason="按本轮清理工作通知登记。",
        )

    def _transition_step(self, to: str, reason: str, admin: bool = False) -> Callable:
        def step(plan: Plan, day: datetime.date) -> None:
            by = self.admin if admin else plan.actor
            plan.case = services.case_transition(case=plan.case, to=to, by=by, reason=reason)

        return step

    def _decide_step(self) -> Callable:
        def step(plan: Plan, day: datetime.date) -> None:
            j = plan.jurisdiction
            abbr = self.abbr[j.code]
            prefix, issuer = (
                t.format(abbr=abbr, name=j.name) for t in get_kind(plan.kind).demo.decision_issuer
            )
            decided = max(plan.registered_on, day - datetime.timedelta(days=self.rng.randint(0, 3)))
            doc_no = self._doc(prefix, decided)
            services.evidence_add(
                case=plan.case,
                by=plan.actor,
                title="处理决定文件",
                upload=None,
                doc_no=doc_no,
                issuing_body=issuer,
                effective_date=decided,
                max_bytes=self.max_bytes,
            )
            plan.case = services.case_transition(
                case=plan.case,
                to=Status.DECIDED,
                by=plan.actor,
                reason="按审定意见作出处理决定。",
                decision=services.Decision(
                    disposition=plan.disposition, doc_no=doc_no, date=decided
                ),
            )

        return step

    def _milestone_step(self, position: int) -> Callable:
        def step(plan: Plan, day: datetime.date) -> None:
            milestone = Milestone.objects.select_related("case__jurisdiction").get(
                case=plan.case, order=position + 1
            )
            prefix, issuer = self._issuer(plan, milestone.code)
            effective = max(
                plan.registered_on, day - datetime.timedelta(days=self.rng.randint(0, 2))
            )
            doc_no = self._doc(prefix, effective)
            evidence = None
            if self.rng.random() < 0.25:
                evidence = services.evidence_add(
                    case=plan.case,
                    by=plan.actor,
                    title=f"{milestone.name}材料",
                    upload=None,
                    doc_no=doc_no,
                    issuing_body=issuer,
                    effective_date=effective,
                    milestone=milestone,
                    max_bytes=self.max_bytes,
                )
            services.milestone_complete(
                milestone=milestone,
                by=plan.actor,
                effective_date=effective,
                doc_no=doc_no,
                evidence=evidence,
            )
            self._subject_follow_up(plan, milestone.code, effective)

        return step

    def _subject_follow_up(self, plan: Plan, code: str, day: datetime.date) -> None:
        """Register facts that a milestone establishes (via case_update, with a reason)."""
        follow_up = get_kind(plan.kind).demo.follow_up
        if follow_up is None:
            return
        subject_fields, reason = follow_up(self, plan, code, day)
        if not subject_fields:
            return
        current = Case.objects.only("version").get(pk=plan.case.pk)
        plan.case = services.case_update(
            case=plan.case,
            by=plan.actor,
            expected_version=current.version,
            case_fields={},
            subject_fields=subject_fields,
            reason=reason,
        )

    def _issuer(self, plan: Plan, code: str) -> tuple[str, str]:
        """Document-number prefix and issuing body for a milestone's document."""
        j = plan.jurisdiction
        abbr = self.abbr[j.code]
        if plan.department is not None:
            key = self.dept_key[plan.department.pk]
            dept = (f"{abbr}{DEPARTMENTS[key][2]}", plan.department.name)
        else:
            dept = (f"{abbr}政办", f"{j.name}人民政府办公室")
        bodies = {
            "reform": (f"{abbr}审改办", f"{j.name}审批制度改革办公室"),
            "government": (f"{abbr}政办发", f"{j.name}人民政府办公室"),
            "organisation": (f"{abbr}组干", f"中共{j.name}委组织部"),
            "finance": (f"{abbr}财综", f"{j.name}财政局"),
            "price": (f"{abbr}发改价格", f"{j.name}发展改革部门"),
            "registration": (f"{abbr}市监登", f"{j.name}市场监督管理部门"),
        }
        issuer = get_kind(plan.kind).demo.milestone_issuers.get(code)
        if issuer is None:
            return dept
        if isinstance(issuer, str):
            return bodies[issuer]
        prefix, body = issuer
        return prefix.format(abbr=abbr, name=j.name), body.format(abbr=abbr, name=j.name)

    def _note_step(self, text: str) -> Callable:
        def step(plan: Plan, day: datetime.date) -> None:
            services.note_add(case=plan.case, by=plan.actor, text=text)

        return step

    def _overdue_note_step(self) -> Callable:
        text = self.rng.choice(OVERDUE_NOTES)
        extra = self.rng.randint(15, 45)

        def step(plan: Plan, day: datetime.date) -> None:
            services.note_add(
                case=plan.case,
                by=plan.actor,
                text=text,
                kind=Note.Kind.OVERDUE,
                expected_date=self.today + datetime.timedelta(days=extra),
            )

        return step

    # --- running -----------------------------------------------------------------------

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
