"""Named personas (STYLE.md): alice and bob are staff of two counties, carol the city admin,
ivan an inspector and vera a viewer, both city-wide."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from django.test import Client

from tests.factories import DepartmentFactory, JurisdictionFactory, UserFactory, make_case
from tracker.cases.workflow import Role
from tracker.models import Case, Department, Jurisdiction, User

# tests/fifth_kind needs its app installed: tests/test_fifth_kind.py runs it in a child pytest.
FIFTH_KIND = os.environ.get("DJANGO_SETTINGS_MODULE") == "tests.fifth_kind.settings"
collect_ignore = [] if FIFTH_KIND else ["fifth_kind"]


@pytest.fixture
def city(db) -> Jurisdiction:
    return JurisdictionFactory(code="330100", name="测试市", level=Jurisdiction.Level.CITY)


@pytest.fixture
def county_a(city) -> Jurisdiction:
    return JurisdictionFactory(
        code="330102", name="甲区", level=Jurisdiction.Level.DISTRICT, parent=city
    )


@pytest.fixture
def county_b(city) -> Jurisdiction:
    return JurisdictionFactory(
        code="330105", name="乙区", level=Jurisdiction.Level.DISTRICT, parent=city
    )


@pytest.fixture
def dept_city(city) -> Department:
    return DepartmentFactory(jurisdiction=city, name="市发展改革委")


@pytest.fixture
def dept_a(county_a) -> Department:
    return DepartmentFactory(jurisdiction=county_a, name="甲区住房和城乡建设局")


@pytest.fixture
def dept_b(county_b) -> Department:
    return DepartmentFactory(jurisdiction=county_b, name="乙区住房和城乡建设局")


@pytest.fixture
def alice(county_a) -> User:
    """Reform staff of county A."""
    return UserFactory(username="alice", role=Role.STAFF, jurisdiction=county_a)


@pytest.fixture
def bob(county_b) -> User:
    """Reform staff of county B."""
    return UserFactory(username="bob", role=Role.STAFF, jurisdiction=county_b)


@pytest.fixture
def carol(city) -> User:
    """The city reform admin."""
    return UserFactory(username="carol", role=Role.ADMIN, jurisdiction=city)


@pytest.fixture
def ivan(city) -> User:
    """A city-wide discipline inspector."""
    return UserFactory(username="ivan", role=Role.INSPECTOR, jurisdiction=city)


@pytest.fixture
def vera(city) -> User:
    """A city-wide viewer (leader)."""
    return UserFactory(username="vera", role=Role.VIEWER, jurisdiction=city)


@pytest.fixture
def case_a(alice, county_a, dept_a) -> Case:
    """An intermediary item case in county A, registered by alice."""
    return make_case("item", county_a, alice, department=dept_a)


@pytest.fixture
def client_as(db) -> Callable[[User], Client]:
    def login(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher():
    """Hashing with the production hasher costs ~0.3 s a user; tests need no such cost."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
