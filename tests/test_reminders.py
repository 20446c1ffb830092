"""Deadline reminders: 30/7/1-day windows, overdue digests and explanation requests, idempotency,
e-mail opt-out, failure retry, the send_reminders command and the notification pages."""

from __future__ import annotations

import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse

from tests.factories import UserFactory, make_case, withdraw
from tracker.cases.workflow import Role
from tracker.deadlines import reminders
from tracker.deadlines import services as deadline_services
from tracker.models import Notification, User
from tracker.web.context_processors import unread_notifications

TZ = ZoneInfo("Asia/Shanghai")
Kind = Notification.Kind


def at(day: datetime.date, hour: int = 7):
    """Travel to ``day`` at ``hour`` o'clock local time (cron runs early in the morning)."""
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ))


def d(s: str) -> datetime.date:
    return datetime.date.fromisoformat(s)


@pytest.fixture(autouse=True)
def fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Tests run with DEBUG off, i.e. as production: the command checks the sender address.
    settings.DEFAULT_FROM_EMAIL = "tracker@reform.example.gov.cn"


def give_email(user: User, address: str) -> User:
    user.email = address
    user.save()
    return user


@pytest.fixture
def mailed(alice, carol) -> tuple[User, User]:
    return give_email(alice, "alice@example.org"), give_email(carol, "carol@example.org")


def case_level(user: User, kind: str | None = None):
    qs = Notification.objects.filter(user=user, milestone__isnull=True).exclude(
        kind=Kind.OVERDUE_DIGEST
    )
    return qs.filter(kind=kind) if kind else qs


@pytest.fixture
def due_case(mailed, county_a, dept_a):
    """Alice's case registered 2025-10-01, due 2025-11-30."""
    alice, _carol = mailed
    with at(d("2025-10-01")):
        return make_case(
            "item", county_a, alice, department=dept_a, owner=alice, deadline=d("2025-11-30")
        )


def test_reminder_kind_windows():
    assert reminders.reminder_kind(31) is None
    assert reminders.reminder_kind(30) == Kind.DUE_30
    assert reminders.reminder_kind(8) == Kind.DUE_30
    assert reminders.reminder_kind(7) == Kind.DUE_7
    assert reminders.reminder_kind(2) == Kind.DUE_7
    assert reminders.reminder_kind(1) == Kind.DUE_1
    assert reminders.reminder_kind(0) == Kind.DUE_1
    assert reminders.reminder_kind(-1) is None


def test_case_reminders_at_30_7_1_days_then_overdue(due_case, mailed):
    alice, carol = mailed
    with at(d("2025-10-30")):  # 31 days left
        reminders.reminders_send()
    assert not case_level(alice).exists()

    with at(d("2025-10-31")):  # 30 days left
        reminders.reminders_send()
    first = case_level(alice).get()
    assert first.kind == Kind.DUE_30
    assert first.case == due_case
    assert first.dedupe_key == f"due_30:{alice.pk}:{due_case.pk}::2025-11-30"
    assert "还有 30 天到期" in first.subject and due_case.reference in first.subject
    assert first.emailed_at is not None
    assert any(due_case.reference in m.body and m.to == [alice.email] for m in mail.outbox)

    with at(d("2025-11-01")):  # 29 days: the 30-day window was already notified
        reminders.reminders_send()
    assert case_level(alice).count() == 1

    with at(d("2025-11-23")):  # 7 days left
        reminders.reminders_send()
    assert case_level(alice, Kind.DUE_7).count() == 1

    with at(d("2025-11-29")):  # 1 day left
        reminders.reminders_send()
    due_1 = case_level(alice, Kind.DUE_1).get()
    assert "明天到期" in due_1.subject

    with at(d("2025-11-30")):  # due today: nothing new
        reminders.reminders_send()
    assert case_level(alice).count() == 3
    assert not Notification.objects.filter(kind=Kind.OVERDUE_DIGEST).exists()

    with at(d("2025-12-01")):  # overdue: the owner is asked, the admin gets a digest
        reminders.reminders_send()
    ask = case_level(alice, Kind.OTHER).get()
    assert "逾期说明" in ask.subject
    digest = Notification.objects.get(user=carol, kind=Kind.OVERDUE_DIGEST)
    assert due_case.reference in digest.body
    assert "逾期 1 天" in digest.body and "未填写逾期说明" in digest.body
    assert digest.emailed_at is not None
    assert any(m.to == [carol.email] and "逾期汇总" in m.subject for m in mail.outbox)


def test_running_twice_the_same_day_sends_nothing_twice(due_case, mailed):
    with at(d("2025-11-23")):
        first = reminders.reminders_send()
        sent = len(mail.outbox)
        second = reminders.reminders_send()
    assert first.created > 0 and first.emails_sent == 1
    assert second.created == 0 and second.emails_sent == 0
    assert len(mail.outbox) == sent == 1  # one e-mail per user and run, listing everything new
    keys = list(Notification.objects.values_list("dedupe_key", flat=True))
    assert len(keys) == len(set(keys))


def test_missed_run_is_caught_up_in_the_current_window(due_case, mailed):
    alice, _carol = mailed
    with at(d("2025-11-05")):  # 25 days left, the 30-day run was missed
        reminders.reminders_send()
    assert case_level(alice).get().kind == Kind.DUE_30


def test_deadline_extension_reminds_again_for_the_new_date(due_case, mailed):
    alice, carol = mailed
    with at(d("2025-11-23")):
        reminders.reminders_send()
        deadline_services.case_extend_deadline(
            case=due_case,
            by=carol,
            new_deadline=d("2025-12-05"),
            reason="等待省级批复",
            expected_version=due_case.version,
        )
        reminders.reminders_send()
    kinds = sorted(case_level(alice).values_list("dedupe_key", flat=True))
    assert kinds == [
        f"due_30:{alice.pk}:{due_case.pk}::2025-12-05",
        f"due_7:{alice.pk}:{due_case.pk}::2025-11-30",
    ]


def test_milestone_reminders(due_case, mailed):
    alice, _carol = mailed
    first = due_case.milestones.order_by("order").first()
    with at(first.due_date - datetime.timedelta(days=7)):
        run = reminders.reminders_send()
    n = Notification.objects.get(user=alice, milestone=first)
    assert n.kind == Kind.DUE_7
    assert first.name in n.subject
    assert run.emails_sent == 1


def test_done_milestones_and_closed_cases_are_not_reminded(due_case, mailed):
    alice, _carol = mailed
    first = due_case.milestones.order_by("order").first()
    from tracker.cases import services

    with at(d("2025-10-02")):
        services.milestone_complete(
            milestone=first, by=alice, effective_date=d("2025-10-02"), doc_no="甲发〔2025〕1号"
        )
        withdraw(due_case, alice, reason="重复登记")
    with at(d("2025-11-29")):
        run = reminders.reminders_send()
    assert run.due == 0
    assert not Notification.objects.exists()


def test_opt_out_gets_in_app_notifications_but_no_email(due_case, mailed):
    alice, _carol = mailed
    reminders.user_set_email_reminders(user=alice, enabled=False, by=alice)
    with at(d("2025-11-23")):
        run = reminders.reminders_send()
    assert case_level(alice).exists()
    assert case_level(alice).filter(emailed_at__isnull=False).count() == 0
    assert mail.outbox == []
    assert run.opted_out == 1


def test_user_without_email_gets_in_app_notifications_only(alice, county_a, dept_a):
    with at(d("2025-11-01")):
        make_case("item", county_a, alice, department=dept_a, owner=alice, deadline=d("2025-11-08"))
        reminders.reminders_send()
    assert case_level(alice, Kind.DUE_7).exists()
    assert mail.outbox == []


def test_unowned_and_inactive_owners_are_skipped(mailed, county_a, dept_a, alice):
    gone = UserFactory(username="gone", role=Role.STAFF, jurisdiction=county_a)
    with at(d("2025-11-01")):
        make_case("item", county_a, alice, department=dept_a, owner=None, deadline=d("2025-11-08"))
        make_case("item", county_a, alice, department=dept_a, owner=gone, deadline=d("2025-11-08"))
        gone.is_active = False  # left after being made the owner (a new case refuses them)
        gone.save(update_fields=["is_active"])
        run = reminders.reminders_send()
    assert run.due == 0


def test_overdue_digest_is_scoped_and_daily(mailed, county_a, county_b, dept_a, dept_b, bob):
    alice, carol = mailed
    dave = give_email(
        UserFactory(username="dave", role=Role.ADMIN, jurisdiction=county_b), "dave@example.org"
    )
    with at(d("2025-10-01")):
        a = make_case("item", county_a, alice, department=dept_a, deadline=d("2025-10-10"))
        b = make_case("item", county_b, bob, department=dept_b, deadline=d("2025-10-10"))
    with at(d("2025-10-20")):
        reminders.reminders_send()
        reminders.reminders_send()
    city = Notification.objects.get(user=carol, kind=Kind.OVERDUE_DIGEST)
    county = Notification.objects.get(user=dave, kind=Kind.OVERDUE_DIGEST)
    assert a.reference in city.body and b.reference in city.body
    assert b.reference in county.body and a.reference not in county.body
    assert "2 项" in city.subject
    with at(d("2025-10-21")):
        reminders.reminders_send()
    assert Notification.objects.filter(user=carol, kind=Kind.OVERDUE_DIGEST).count() == 2


def test_explanation_request_repeats_only_when_the_expected_date_passes(due_case, mailed):
    alice, _carol = mailed
    with at(d("2025-12-01")):
        reminders.reminders_send()
        deadline_services.case_explain_overdue(
            case=due_case, by=alice, text="等待上级批复", expected_date=d("2025-12-10")
        )
    with at(d("2025-12-05")):  # explanation still valid
        reminders.reminders_send()
    assert case_level(alice, Kind.OTHER).count() == 1
    with at(d("2025-12-11")):  # the promised date has passed: asked again
        reminders.reminders_send()
    asks = case_level(alice, Kind.OTHER).order_by("created_at")
    assert asks.count() == 2
    assert "2025-12-10" in asks.last().body
    digest = Notification.objects.filter(kind=Kind.OVERDUE_DIGEST).order_by("created_at").last()
    assert "预计 2025-12-10 完成" in digest.body


def test_failed_email_is_released_and_retried_the_same_day(due_case, mailed):
    alice, _carol = mailed
    with at(d("2025-11-23")):
        with mock.patch("tracker.deadlines.reminders.send_mail", side_effect=OSError("连接被拒绝")):
            run = reminders.reminders_send()
        assert run.failures and run.emails_sent == 0
        assert not Notification.objects.filter(emailed_at__isnull=False).exists()
        retry = reminders.reminders_send()
    assert retry.created == 0 and retry.emails_sent == 1
    assert not case_level(alice).filter(emailed_at__isnull=True).exists()


def test_long_emails_are_cut_and_links_are_absolute(settings, monkeypatch, due_case, mailed):
    settings.TRACKER_SITE_URL = "https://tracker.example.gov.cn/"
    monkeypatch.setattr(reminders, "EMAIL_MAX_ITEMS", 1)
    with at(d("2025-11-23")):
        run = reminders.reminders_send()
    assert run.notifications_emailed >= 2 and len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert f"https://tracker.example.gov.cn/cases/{due_case.reference}/" in body
    assert "另有" in body and "https://tracker.example.gov.cn/notifications/" in body
    assert "我的通知" in body  # how to turn e-mail off


def test_dry_run_writes_nothing(due_case, mailed):
    with at(d("2025-11-23")):
        run = reminders.reminders_send(dry_run=True)
    assert run.created > 0
    assert not Notification.objects.exists()
    assert mail.outbox == []


# --- the command ----------------------------------------------------------------------------


def test_command_sends_and_reports(due_case, mailed, capsys):
    with at(d("2025-11-23")):
        call_command("send_reminders")
        call_command("send_reminders")
    out = capsys.readouterr().out
    assert "2025-11-23" in out and "1 e-mails sent" in out and "0 new notifications" in out
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        (
            {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": ""},
            "DJANGO_EMAIL_HOST",
        ),
        (
            {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"},
            "DJANGO_EMAIL_BACKEND",
        ),
        ({"DEFAULT_FROM_EMAIL": "tracker@localhost"}, "DJANGO_DEFAULT_FROM_EMAIL"),
        ({"DEFAULT_FROM_EMAIL": ""}, "DJANGO_DEFAULT_FROM_EMAIL"),
        ({"EMAIL_USE_TLS": True, "EMAIL_USE_SSL": True}, "DJANGO_EMAIL_USE_SSL"),
    ],
)
def test_command_refuses_in_production_without_email_settings(
    settings, due_case, overrides, needle
):
    settings.DEBUG = False
    settings.DEFAULT_FROM_EMAIL = "tracker@reform.example.gov.cn"
    for name, value in overrides.items():
        setattr(settings, name, value)
    with at(d("2025-11-23")), pytest.raises(CommandError) as exc:
        call_command("send_reminders")
    assert "邮件设置不完整" in str(exc.value) and needle in str(exc.value)
    assert not Notification.objects.exists()


def test_command_in_production_with_smtp_settings_runs(settings, due_case, mailed):
    settings.DEBUG = False
    settings.EMAIL_HOST = "smtp.reform.example.gov.cn"
    settings.DEFAULT_FROM_EMAIL = "tracker@reform.example.gov.cn"
    with at(d("2025-11-23")):
        call_command("send_reminders")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].from_email == "tracker@reform.example.gov.cn"


def test_command_in_app_only_skips_the_email_check(settings, due_case, mailed):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    with at(d("2025-11-23")):
        call_command("send_reminders", "--in-app-only")
    assert Notification.objects.exists()
    assert not Notification.objects.filter(emailed_at__isnull=False).exists()


def test_command_exits_non_zero_when_an_email_fails(due_case, mailed):
    with (
        at(d("2025-11-23")),
        mock.patch("tracker.deadlines.reminders.send_mail", side_effect=OSError("x")),
    ):
        with pytest.raises(CommandError) as exc:
            call_command("send_reminders")
    assert "重新运行" in str(exc.value)


# --- pages ----------------------------------------------------------------------------------


@pytest.fixture
def notified(due_case, mailed, bob, county_b, dept_b):
    with at(d("2025-10-01")):
        make_case("item", county_b, bob, department=dept_b, owner=bob, deadline=d("2025-11-30"))
    with at(d("2025-11-23")):
        reminders.reminders_send()
    return due_case


def test_notification_list_shows_only_my_notifications(client_as, notified, alice, bob):
    response = client_as(alice).get(reverse("notifications:list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert notified.reference in body
    bob_case = Notification.objects.filter(user=bob).first().case
    assert bob_case.reference not in body


def test_notification_list_query_count_is_flat(
    client_as, notified, alice, django_assert_max_num_queries
):
    client = client_as(alice)
    with django_assert_max_num_queries(12):
        client.get(reverse("notifications:list"))
    Notification.objects.bulk_create(
        Notification(user=alice, kind=Kind.OTHER, subject=f"提醒{i}", dedupe_key=f"t:{i}")
        for i in range(40)
    )
    with django_assert_max_num_queries(12):
        response = client.get(reverse("notifications:list"))
    assert response.status_code == 200


def test_mark_read_and_mark_all_read(client_as, notified, alice, bob):
    client = client_as(alice)
    mine = Notification.objects.filter(user=alice).first()
    theirs = Notification.objects.filter(user=bob).first()
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    response = client.post(reverse("notifications:read", args=[mine.pk]), {"open": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("tracker:case_detail", args=[mine.case.reference])
    mine.refresh_from_db()
    assert mine.read_at is not None
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(user=alice, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=bob, read_at__isnull=True).exists()
    assert client.get(reverse("notifications:read_all")).status_code == 405


def test_email_toggle_is_recorded_in_history(client_as, alice):
    client = client_as(alice)
    client.post(reverse("notifications:email_preference"), {})
    alice.refresh_from_db()
    assert alice.email_reminders is False
    last = alice.history.order_by("-history_id").first()
    assert last.history_change_reason == "关闭邮件提醒" and last.history_user == alice
    client.post(reverse("notifications:email_preference"), {"email_reminders": "on"})
    alice.refresh_from_db()
    assert alice.email_reminders is True
    assert alice.history.order_by("-history_id").first().history_change_reason == "开启邮件提醒"


def test_nobody_else_changes_my_email_setting(alice, bob, carol):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        reminders.user_set_email_reminders(user=alice, enabled=False, by=bob)
    reminders.user_set_email_reminders(user=alice, enabled=False, by=carol)  # an admin may
    alice.refresh_from_db()
    assert alice.email_reminders is False


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unread_count_context_processor(notified, alice, vera):
    request = RequestFactory().get("/")
    request.user = alice
    count = unread_notifications(request)["unread_notifications"]
    assert int(str(count)) == Notification.objects.filter(user=alice).count() > 0
    request.user = vera
    assert not unread_notifications(request)["unread_notifications"]
