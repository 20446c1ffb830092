"""Synthetic province-scale data for ``manage.py bench``.

Everything here is made up: the province 基准省 (code 990000, no real GB/T 2260 province uses
99), its 10 cities and 100 counties/districts, 2,000 departments, firms, officials and fees.
The subjects of each kind's cases (and reference data such as the firms) come from the kind's
app through the kind registry (``CaseKind.bench``, a ``DataSetup``; tracker.tooling.kinddata):
this module never imports them.

Every tracked row is written through the fast bulk path with history
(``tracker.imports.bulk.bulk_insert_with_history``, the import's path) in its *initial* state;
the year of status changes, edits and milestone completions that follow is written as the rows'
final state plus one history row per change, built as rows and inserted and linked into the
audit chain with ``tracker.imports.bulk.insert_chained`` in the same transaction. So the chain covers every history row
and ``verify_chain`` passes on the result, exactly as on data entered through the services.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from tracker.cases import services
from tracker.cases.registry import data_setups, get_kind, kinds
from tracker.cases.workflow import Role, Status
from tracker.imports.bulk import bulk_insert_with_history, insert_chained
from tracker.models import (
    Case,
    Department,
    Jurisdiction,
    Milestone,
    ReferenceCounter,
    User,
)

REASON = "性能基准：合成数据"
PROVINCE = ("990000", "基准省")
N_CITIES = 10
COUNTIES_PER_CITY = 10
N_DEPARTMENTS = 2000
CHUNK = 2000  # cases written per transaction

STATUS_WEIGHTS = {
    Status.REGISTERED: 10,
    Status.UNDER_REVIEW: 15,
    Status.DECIDED: 10,
    Status.IN_PROGRESS: 25,
    Status.COMPLETED: 15,
    Status.CLOSED: 20,
    Status.WITHDRAWN: 5,
}
FORWARD = [
    Status.UNDER_REVIEW,
    Status.DECIDED,
    Status.IN_PROGRESS,
    Status.COMPLETED,
    Status.CLOSED,
]
DEPT_NAMES = [
    "发展和改革委员会",
    "住房和城乡建设局",
    "自然资源和规划局",
    "生态环境局",
    "市场监督管理局",
    "财政局",
    "交通运输局",
    "水利局",
    "卫生健康委员会",
    "应急管理局",
    "农业农村局",
    "商务局",
    "文化广电旅游局",
    "教育局",
    "民政局",
    "人力资源和社会保障局",
    "司法局",
    "公安局",
    "林业局",
    "气象局",
]
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


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


class Builder:
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

    # --- reference data ------------------------------------------------------------------

    def jurisdictions(self) -> None:
        province = Jurisdiction(
            code=PROVINCE[0], name=PROVINCE[1], level=Jurisdiction.Level.PROVINCE, parent=None
        )
        province.path = f"/{province.code}/"
        (self.province,) = self.bulk(Jurisdiction, [province])
        cities = []
        for c in range(1, N_CITIES + 1):
            code = f"99{c:02d}00"
            city = Jurisdiction(
                code=code,
                name=f"基准{c}市",
                level=Jurisdiction.Level.CITY,
                parent=self.province,
            )
            city.path = f"{self.province.path}{code}/"
            cities.append(city)
        self.cities = self.bulk(Jurisdiction, cities)
        counties = []
        for city in self.cities:
            for d in range(1, COUNTIES_PER_CITY + 1):
                code = f"{city.code[:4]}{d:02d}"
                level = Jurisdiction.Level.DISTRICT if d <= 4 else Jurisdiction.Level.COUNTY
                suffix = "区" if level == Jurisdiction.Level.DISTRICT else "县"
                county = Jurisdiction(
                    code=code, name=f"{city.name}第{d}{suffix}", level=level, parent=city
                )
                county.path = f"{city.path}{code}/"
                counties.append(county)
        self.counties = self.bulk(Jurisdiction, counties)
        self.all_jurisdictions = [self.province, *self.cities, *self.counties]

    def departments(self) -> None:
        # The province 20, each city 30, the counties share the rest: 2,000 in all.
        plan: list[tuple[Jurisdiction, int]] = [(self.province, 20)]
        plan += [(city, 30) for city in self.cities]
        left = N_DEPARTMENTS - 20 - 30 * len(self.cities)
        per, extra = divmod(left, len(self.counties))
        plan += [(c, per + (1 if i < extra else 0)) for i, c in enumerate(self.counties)]
        objs = []
        for juris, count in plan:
            for i in range(count):
                base = DEPT_NAMES[i % len(DEPT_NAMES)]
                name = base if i < len(DEPT_NAMES) else f"{base}（{i // len(DEPT_NAMES) + 1}）"
                objs.append(
                    Department(
                        jurisdiction=juris,
                        name=f"{juris.name}{name}",
                        short_name=name[:50],
                        code=f"{juris.code}{i:03d}",
                    )
                )
        created = self.bulk(Department, objs)
        self.depts_by_juris: dict[int, list[Department]] = {}
        for d in created:
            self.depts_by_juris.setdefault(d.jurisdiction_id, []).append(d)

    def users(self) -> None:
        objs = []
        admin = User(
            username="bench-province-admin",
            role=Role.ADMIN,
            jurisdiction=self.province,
            is_staff=True,
            last_name="基准",
            first_name="省管理员",
        )
        objs.append(admin)
        for city in self.cities:
            objs.append(
                User(
                    username=f"bench-admin-{city.code}",
                    role=Role.ADMIN,
                    jurisdiction=city,
                    last_name="基准",
                    first_name=f"{city.name}管理员",
                )
            )
        for county in self.counties:
            objs.append(
                User(
                    username=f"bench-staff-{county.code}",
                    role=Role.STAFF,
                    jurisdiction=county,
                    last_name=self.rng.choice(SURNAMES),
                    first_name=self.rng.choice(GIVEN) + self.rng.choice(GIVEN),
                )
            )
        for u in objs:
            u.set_unusable_password()
        created = self.bulk(User, objs)
        self.result.province_admin = created[0]
        self.owners_by_juris = {u.jurisdiction_id: u for u in created[1:]}
        self.owners_by_juris[self.province.pk] = created[0]
        self.result.county_staff = self.owners_by_juris[self.counties[0].pk]
        self.result.filter_city = self.cities[0]
        self.admin = created[0]

    def setups(self) -> None:
        """Reference data of the domain apps (the firms), in the apps' order."""
        for setup in data_setups():
            if setup.bench is not None:
                setup.bench(self)

    # --- cases ---------------------------------------------------------------------------

    def _pick_jurisdiction(self) -> Jurisdiction:
        r = self.rng.random()
        if r < 0.03:
            return self.province
        if r < 0.15:
            return self.rng.choice(self.cities)
        return self.rng.choice(self.counties)

    def _reference(self, juris: Jurisdiction, kind_code: str, year: int) -> str:
        prefix = f"{juris.code}-{kind_code}-{year}"
        n = self.ref_counters.get(prefix, 0) + 1
        self.ref_counters[prefix] = n
        return f"{prefix}-{n:04d}"

    def _status_path(self, final: str) -> list[str]:
        if final == Status.REGISTERED:
            return []
        if final == Status.WITHDRAWN:
            return [*FORWARD[: self.rng.randint(0, 3)], Status.WITHDRAWN]
        return FORWARD[: FORWARD.index(final) + 1]

    def cases(self) -> None:
        bench_kinds = [k for k in kinds() if k.bench is not None]
        kinds_pop = [k.key for k in bench_kinds]
        kinds_w = [k.bench.weight for k in bench_kinds]
        status_pop = list(STATUS_WEIGHTS)
        status_w = list(STATUS_WEIGHTS.values())
        done = 0
        started = time.perf_counter()
        while done < self.n:
            size = min(CHUNK, self.n - done)
            plans = []
            for j in range(size):
                i = done + j
                kind = self.rng.choices(kinds_pop, kinds_w)[0]
                final = self.rng.choices(status_pop, status_w)[0]
                plans.append((i, kind, final))
            self._case_chunk(plans)
            done += size
            rate = done / max(time.perf_counter() - started, 1e-9)
            self.progress(f"  cases {done:,}/{self.n:,} ({rate:,.0f}/s)")

    @transaction.atomic
    def _case_chunk(self, plans: list[tuple[int, str, str]]) -> None:
        rng = self.rng
        span_days = (self.today - self.year_start).days
        cases: list[Case] = []
        meta = []
        for i, kind, final in plans:
            juris = self._pick_jurisdiction()
            spec = get_kind(kind)
            registered = self.year_start + datetime.timedelta(days=rng.randint(0, span_days - 30))
            deadline = registered + datetime.timedelta(days=rng.randint(60, 330))
            owner = self.owners_by_juris.get(juris.pk) if rng.random() < 0.9 else None
            case = Case(
                reference=self._reference(juris, spec.code, registered.year),
                kind=kind,
                title=spec.bench.title(self, juris, i),
                jurisdiction=juris,
                department=rng.choice(self.depts_by_juris[juris.pk]),
                owner=owner,
                status=Status.REGISTERED,
                registered_on=registered,
                deadline=deadline,
                version=1,
            )
            case._history_date = _aware(registered, rng.randint(0, 8 * 3600))
            case._history_user = owner or self.admin
            cases.append(case)
            meta.append((i, kind, final, spec))
        created = bulk_insert_with_history(Case, cases, by=self.admin, reason=REASON)
        self.history_rows += len(created)

        # Subjects: one per case, created with the case.
        by_model: dict[type, list] = {}
        for case, (i, _kind, _final, spec) in zip(created, meta, strict=True):
            subject = spec.bench.subject(self, case, i)
            subject._history_date = case._history_date
            subject._history_user = case._history_user
            by_model.setdefault(spec.subject_model, []).append(subject)
        for model, objs in by_model.items():
            bulk_insert_with_history(model, objs, by=self.admin, reason=REASON)
            self.history_rows += len(objs)

        # Milestones: the kind's template, created not done with the case.
        milestones: list[Milestone] = []
        per_case: list[list[Milestone]] = []
        for case, (_i, _kind, _final, spec) in zip(created, meta, strict=True):
            dues = services.milestone_due_dates(
                case.registered_on, case.deadline, len(spec.milestones)
            )
            ms = []
            for order, (m_spec, due) in enumerate(zip(spec.milestones, dues, strict=True), 1):
                m = Milestone(
                    case=case,
                    code=m_spec.code,
                    name=str(m_spec.name),
                    order=order,
                    required=m_spec.required,
                    due_date=due,
                )
                m._history_date = case._history_date
                m._history_user = case._history_user
                ms.append(m)
            milestones.extend(ms)
            per_case.append(ms)
        bulk_insert_with_history(Milestone, milestones, by=self.admin, reason=REASON)
        self.history_rows += len(milestones)

        # The year that followed: status changes and edits (K-1 per case) and milestone
        # completions, each a history row in the chain, then the rows' final state.
        case_history = Case.history.model
        ms_history = Milestone.history.model
        hist_rows: list[dict] = []
        ms_rows: list[dict] = []
        done_milestones: list[Milestone] = []
        case_fields = [f.attname for f in case_history.tracked_fields]
        ms_fields = [f.attname for f in ms_history.tracked_fields]
        now = timezone.now()
        for case, ms, (_i, _kind, final, spec) in zip(created, per_case, meta, strict=True):
            steps = self._status_path(final)
            n_changes = self.k - 1
            slots = sorted(rng.sample(range(n_changes), min(len(steps), n_changes)))
            start = case._history_date
            end = min(now, start + datetime.timedelta(days=300))
            span = max((end - start).total_seconds(), 60.0)
            times = sorted(
                start + datetime.timedelta(seconds=rng.uniform(60, span)) for _ in range(n_changes)
            )
            step_iter = iter(steps)
            user = case._history_user
            for n, when in enumerate(times):
                if slots and n == slots[0]:
                    slots.pop(0)
                    target = next(step_iter)
                    if target == Status.DECIDED:
                        case.disposition = spec.dispositions[n % len(spec.dispositions)][0]
                        case.decision_doc_no = f"基改〔{when.year}〕{case.pk % 1000 + 1}号"
                        case.decision_date = timezone.localdate(when)
                    case.status = target
                    reason = f"状态变更：{Status(target).label}"
                else:
                    case.deadline += datetime.timedelta(days=rng.choice((15, 30, 45)))
                    reason = "调整完成时限"
                case.version += 1
                values = {a: getattr(case, a) for a in case_fields}
                values.update(
                    history_date=when,
                    history_user_id=user.pk,
                    history_change_reason=reason,
                    history_type="~",
                )
                hist_rows.append(values)
            # Steps that did not fit into K-1 changes (small K): jump to the final state.
            for target in step_iter:
                case.status = target
            # Milestones done so far, in order.
            n_done = self._milestones_done(final, ms)
            when = start
            for m in ms[:n_done]:
                when = min(now, when + datetime.timedelta(days=rng.randint(3, 30)))
                m.done = True
                m.effective_date = timezone.localdate(when)
                m.doc_no = f"基办〔{when.year}〕{m.pk % 1000 + 1}号"
                m.recorded_by = user
                m.recorded_at = when
                done_milestones.append(m)
                values = {a: getattr(m, a) for a in ms_fields}
                values.update(
                    history_date=when,
                    history_user_id=user.pk,
                    history_change_reason=f"完成节点：{m.name}",
                    history_type="~",
                )
                ms_rows.append(values)
        for history_model, rows in ((case_history, hist_rows), (ms_history, ms_rows)):
            insert_chained(history_model, rows)
            self.history_rows += len(rows)
        _write_final_state(
            Case,
            created,
            ["status", "disposition", "decision_doc_no", "decision_date", "deadline", "version"],
        )
        _write_final_state(
            Milestone,
            done_milestones,
            ["done", "effective_date", "doc_no", "recorded_by", "recorded_at"],
        )
        self.result.cases += len(created)

    def _milestones_done(self, final: str, ms: list[Milestone]) -> int:
        n = len(ms)
        if final in (Status.COMPLETED, Status.CLOSED):
            return (
                n if self.rng.random() < 0.5 else max(i + 1 for i, m in enumerate(ms) if m.required)
            )
        return {
            Status.REGISTERED: 0,
            Status.UNDER_REVIEW: 1,
            Status.DECIDED: 3,
            Status.IN_PROGRESS: self.rng.randint(3, n - 2),
            Status.WITHDRAWN: self.rng.randint(0, 2),
        }[final]

    def counters(self) -> None:
        ReferenceCounter.objects.bulk_create(
            [ReferenceCounter(prefix=p, last=n) for p, n in self.ref_counters.items()],
            batch_size=1000,
        )

    # --- the case with 200 history events ------------------------------------------------

    def big_case(self, events: int = 200, tag: str = "时间线基准") -> None:
        """One case with ``events`` history rows over its case row, subject, milestones,
        evidence and notes, written through the services as users would; its title ends
        with ``（tag）``."""
        import time_machine

        admin = self.admin
        county = self.counties[0]
        depts = self.depts_by_juris[county.pk]
        owner = self.owners_by_juris[county.pk]
        spec = next(k for k in kinds() if k.bench is not None and k.bench.timeline_case)
        stem, subject_fields = spec.bench.timeline_case
        start = timezone.now() - datetime.timedelta(days=360)
        step = datetime.timedelta(days=360) / (events + 1)
        clock = iter(start + step * n for n in range(events + 10))
        with time_machine.travel(next(clock), tick=False):
            case = services.case_create(
                kind=spec,
                jurisdiction=county,
                by=admin,
                case_fields={
                    "title": f"{county.name}{stem}（{tag}）",
                    "department": depts[0],
                    "owner": owner,
                },
                subject_fields=dict(subject_fields),
                reason="登记",
            )
        count = 2 + len(spec.milestones)
        milestones = list(case.milestones.order_by("order"))
        plan = ["transition:" + s for s in (Status.UNDER_REVIEW, Status.DECIDED)]
        plan += ["transition:" + Status.IN_PROGRESS]
        plan += ["milestone"] * len(milestones) + ["transition:" + Status.COMPLETED]
        remaining = events - count - len(plan)
        n_notes, n_evidence = events // 5, events // 10
        n_updates = max(0, remaining - n_notes - n_evidence)
        filler = ["update"] * n_updates + ["note"] * n_notes + ["evidence"] * n_evidence
        self.rng.shuffle(filler)
        # Transitions and milestones spread over the filler, in order.
        sequence: list[str] = []
        per = max(1, len(filler) // (len(plan) + 1))
        for n, item in enumerate(filler):
            sequence.append(item)
            if n % per == per - 1 and plan:
                sequence.append(plan.pop(0))
        sequence += plan
        for action in sequence[: events - count]:
            with time_machine.travel(next(clock), tick=False):
                case.refresh_from_db()
                if action == "update":
                    services.case_update(
                        case=case,
                        by=admin,
                        expected_version=case.version,
                        case_fields={
                            "deadline": case.deadline + datetime.timedelta(days=1),
                            "department": self.rng.choice(depts),
                        },
                        reason="调整完成时限和责任部门",
                    )
                elif action == "note":
                    services.note_add(case=case, by=admin, text="按进度推进，已电话督办。")
                elif action == "evidence":
                    services.evidence_add(
                        case=case,
                        by=admin,
                        title="会议纪要",
                        upload=None,
                        doc_no=f"基纪〔{timezone.localdate().year}〕{count}号",
                        issuing_body="基准省改革办",
                        effective_date=timezone.localdate(),
                        max_bytes=1,
                    )
                elif action == "milestone":
                    m = milestones.pop(0)
                    services.milestone_complete(
                        milestone=m,
                        by=admin,
                        effective_date=timezone.localdate(),
                        doc_no=f"基办〔{timezone.localdate().year}〕{m.order}号",
                    )
                else:
                    target = action.split(":", 1)[1]
                    decision = None
                    if target == Status.DECIDED:
                        decision = services.Decision(
                            spec.dispositions[0][0], "基改〔2024〕1号", timezone.localdate()
                        )
                    services.case_transition(
                        case=case, to=target, by=admin, reason="按程序推进", decision=decision
                    )
            count += 1
        self.result.big_case_reference = case.reference
        self.result.big_case_events = count
        self.history_rows += count

    # --- helpers -------------------------------------------------------------------------

    def bulk(self, model, objs: list) -> list:
        """Insert reference data with history, dated the start of the year (``_aware``)."""
        for obj in objs:
            obj._history_date = _aware(self.year_start, 0)
        created = bulk_insert_with_history(model, objs, by=None, reason=REASON)
        self.history_rows += len(created)
        return created

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
        self.result.counts = {
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
        return self.result


def build(
    n_cases: int, history_per_case: int, *, progress: Callable[[str], None] = lambda _m: None
) -> BuildResult:
    return Builder(n_cases, history_per_case, progress=progress).build()
