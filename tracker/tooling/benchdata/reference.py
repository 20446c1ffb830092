"""The benchmark province's reference data: jurisdictions, departments, users, the apps' set-up.

``ReferenceMixin`` is the part of ``Builder`` (tracker.tooling.benchdata.builder) that writes
them through ``bulk`` (the history-writing bulk insert), plus the reference counters written
after the cases. The apps' reference data (the firms) comes from their ``DataSetup``; this
module never imports them.
"""

from __future__ import annotations

from tracker.cases.registry import data_setups
from tracker.cases.workflow import Role
from tracker.imports.bulk import bulk_insert_with_history
from tracker.models import Department, Jurisdiction, ReferenceCounter, User
from tracker.tooling.benchdata.names import (
    COUNTIES_PER_CITY,
    DEPT_NAMES,
    GIVEN,
    N_CITIES,
    N_DEPARTMENTS,
    PROVINCE,
    REASON,
    SURNAMES,
)
from tracker.tooling.benchdata.rows import _aware


class ReferenceMixin:
    """Writes the province's reference data; the builder's state lives on ``self``."""

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

    def counters(self) -> None:
        ReferenceCounter.objects.bulk_create(
            [ReferenceCounter(prefix=p, last=n) for p, n in self.ref_counters.items()],
            batch_size=1000,
        )

    def bulk(self, model, objs: list) -> list:
        """Insert reference data with history, dated the start of the year (``_aware``)."""
        for obj in objs:
            obj._history_date = _aware(self.year_start, 0)
        created = bulk_insert_with_history(model, objs, by=None, reason=REASON)
        self.history_rows += len(created)
        return created
