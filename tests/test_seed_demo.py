"""``manage.py seed_demo``: the demo city, its logins and a year of history, and its refusals."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count
from django.test import RequestFactory

from intermediaries.models import IntermediaryFirm, OfficialPost
from tracker.cases.validators import credit_code_problems
from tracker.cases.workflow import OPEN_STATUSES, Role, Status
from tracker.models import Case, Department, Evidence, Jurisdiction, Milestone, Note, User

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)
DEMO_LOGINS = {
    "admin": (Role.ADMIN, "339900"),
    "staff": (Role.STAFF, "339902"),
    "staff2": (Role.STAFF, "339921"),
    "inspector": (Role.INSPECTOR, "339900"),
    "viewer": (Role.VIEWER, "339900"),
    "admin2": (Role.ADMIN, "339900"),
}


def seed(cases: int = 40) -> str:
    out = StringIO()
    call_command("seed_demo", cases=cases, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="class")
def demo(django_db_setup, django_db_blocker):
    """Seed once for the class inside a transaction that is rolled back afterwards."""
    with (
        django_db_blocker.unblock(),
        time_machine.travel(NOW, tick=False),
        transaction.atomic(),
    ):
        output = seed()
        yield output
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
class TestSeededDemo:
    def test_city_and_counties(self):
        city = Jurisdiction.objects.get(code="339900")
        assert city.level == Jurisdiction.Level.CITY
        assert Jurisdiction.objects.count() == 13
        assert set(city.children.values_list("level", flat=True)) <= {"county", "district"}
        assert city.children.count() == 12
        assert 25 <= Department.objects.count() <= 35
        assert Department.objects.filter(jurisdiction=city).count() == 10

    def test_demo_logins(self, demo):
        for username, (role, code) in DEMO_LOGINS.items():
            request = RequestFactory().post("/accounts/login/")
            user = authenticate(request, username=username, password="tracker-demo")
            assert user is not None, username
            assert user.role == role
            assert user.jurisdiction.code == code
            assert username in demo
        assert User.objects.get(username="admin").is_staff
        assert not User.objects.get(username="staff").is_staff
        assert "tracker-demo" in demo

    def test_firms_have_valid_credit_codes(self):
        firms = IntermediaryFirm.objects.all()
        assert 12 <= firms.count() <= 18
        for firm in firms:
            assert credit_code_problems(firm.credit_code) == [], firm.name

    def test_every_status_and_kind(self):
        assert Case.objects.count() == 40
        assert set(Case.objects.values_list("status", flat=True)) == set(Status.values)
        assert set(Case.objects.values_list("kind", flat=True)) == {"item", "firm", "post", "fee"}

    def test_some_open_cases_are_overdue(self):
        overdue = Case.objects.overdue()
        assert overdue.exists()
        assert all(c.status in OPEN_STATUSES and c.deadline < NOW.date() for c in overdue)
        assert Note.objects.filter(kind=Note.Kind.OVERDUE).exists()

    def test_cases_are_consistent(self):
        assert not Case.objects.annotate(n=Count("milestones")).filter(n=0).exists()
        for case in Case.objects.all():
            assert case.registered_on <= case.deadline
            if case.status in (Status.COMPLETED, Status.CLOSED):
                assert not case.milestones.filter(required=True, done=False).exists()
            if case.decision_date:
                assert case.disposition and case.decision_doc_no
        assert not Milestone.objects.filter(done=True, effective_date__gt=NOW.date()).exists()

    def test_officials_are_pseudonymous(self):
        posts = OfficialPost.objects.all()
        assert posts.exists()
        for post in posts:
            assert re.fullmatch(r"P-\d{4}-\d{4}", post.person_ref)
            assert "某" in post.person_name

    def test_history_has_user_reason_and_spread(self):
        for model in (Jurisdiction, Department, Case, Milestone, Evidence, Note):
            history = model.history.all()
            assert history.exists(), model
            assert not history.filter(history_user__isnull=True).exists(), model
            assert not history.filter(history_change_reason__isnull=True).exists(), model
            assert not history.filter(history_change_reason="").exists(), model
        dates = list(Case.history.values_list("history_date", flat=True))
        assert max(dates) <= NOW
        months = {d.astimezone(SHANGHAI).month for d in dates}
        assert len(months) >= 6
        assert Evidence.objects.filter(file="").count() == Evidence.objects.count()

    def test_second_run_changes_nothing(self):
        before = (Case.objects.count(), Case.history.count(), User.objects.count())
        output = seed()
        assert "demo data already present" in output
        assert "demo logins" in output and all(u in output for u in DEMO_LOGINS)
        assert (Case.objects.count(), Case.history.count(), User.objects.count()) == before


@pytest.mark.django_db
def test_refuses_database_with_other_jurisdictions():
    Jurisdiction.objects.create(code="410101", name="某某区", level=Jurisdiction.Level.DISTRICT)
    with pytest.raises(CommandError, match="Refusing") as exc:
        seed()
    assert "拒绝" in str(exc.value)
    assert not User.objects.exists()
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_refuses_when_a_demo_username_is_taken():
    User.objects.create_user(username="admin", password="something-else-123")
    with pytest.raises(CommandError, match="admin"):
        seed()
    assert not Jurisdiction.objects.exists()


@pytest.mark.django_db
def test_cases_option_is_bounded():
    with pytest.raises(CommandError, match="--cases"):
        seed(cases=3)


@pytest.mark.django_db
def test_seeds_early_in_the_year():
    """In January the year has barely begun: the history reaches back into last year."""
    with time_machine.travel(datetime.datetime(2027, 1, 10, 9, 0, tzinfo=SHANGHAI), tick=False):
        seed(cases=12)
        assert set(Case.objects.values_list("status", flat=True)) == set(Status.values)
        assert Case.objects.overdue().exists()
        latest = Case.history.order_by("-history_date").first().history_date
        assert latest.date() < datetime.date(2027, 1, 10)
