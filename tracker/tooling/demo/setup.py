"""The demo city's reference data: logins, jurisdictions, departments and the apps' set-up.

``SetupMixin`` is the part of ``DemoSeeder`` (tracker.tooling.demo.seeder) that writes them,
plus the look-ups the kinds' demo hooks use (``pick_jurisdiction``, ``departments_in``,
``save``; tracker.tooling.kinddata lists what a hook may use). The apps' reference data (firms,
approval items) comes from their ``DataSetup``; this module never imports them.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password

from tracker.cases import services
from tracker.cases.registry import data_setups
from tracker.models import Department, Jurisdiction, User
from tracker.tooling.demo.city import (
    CITY,
    COUNTIES,
    COUNTY_DEPARTMENTS,
    DEMO_PASSWORD,
    DEMO_USERS,
    DEPARTMENTS,
    JURISDICTION_WEIGHTS,
    OTHER_COUNTY_WEIGHT,
    SETUP_REASON,
    STAFF2_COUNTY,
    STAFF_COUNTY,
)


class SetupMixin:
    """Writes the reference data of the demo city; the seeder's state lives on ``self``."""

    def save(self, obj: Any, reason: str = SETUP_REASON) -> Any:
        services.tracked_save(obj, by=self.admin, reason=reason)
        return obj

    def _seed_setup(self) -> None:
        self._seed_users()
        self._seed_jurisdictions()
        self._seed_user_jurisdictions()
        self._seed_departments()
        # Reference data of the domain apps (approval items, firms), in the apps' order.
        for setup in data_setups():
            if setup.demo is not None:
                setup.demo(self)

    def _seed_users(self) -> None:
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

    def _seed_jurisdictions(self) -> None:
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

    def _seed_user_jurisdictions(self) -> None:
        """Each login's jurisdiction and the shared password hash, saved with history."""
        for username, _role, code, _last, _first in DEMO_USERS:
            user = self.users[username]
            user.jurisdiction = self.jurisdictions[code]
            user.password = self.password_hash
            services.tracked_save(user, by=self.admin, reason=SETUP_REASON, clean=False)

    def _seed_departments(self) -> None:
        # Departments: key -> jurisdiction code -> Department
        self.departments: dict[str, dict[str, Department]] = {}
        self.dept_key: dict[int, str] = {}
        layout = {self.city.code: list(DEPARTMENTS)} | COUNTY_DEPARTMENTS
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

    # --- look-ups for the planning and the kinds' hooks --------------------------------

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
