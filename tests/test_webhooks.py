"""Webhooks: subscriptions refuse private addresses; deliveries are signed, retried, logged."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.api_support import api_client, token_for
from tests.factories import make_case
from tests.webhook_receiver import Receiver
from tracker.api import events, services, webhooks
from tracker.api.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from tracker.cases import services as case_services


@pytest.fixture
def allow_private(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_WORKER = "off"  # these tests call deliver() themselves
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "ftp://example.org/hook",
    ],
)
def test_private_and_loopback_urls_are_refused(carol, url):
    client = api_client(token_for(carol))
    response = client.post(
        "/api/v1/webhooks/",
        {"url": url, "events": ["case.created"], "reason": "省平台对接"},
        format="json",
    )
    assert response.status_code == 400
    assert "url" in response.json()["error"]["fields"]
    assert not WebhookSubscription.objects.exists()


def test_only_admins_subscribe_and_the_secret_is_shown_once(carol, alice, allow_private):
    refused = api_client(token_for(alice)).post(
        "/api/v1/webhooks/",
        {"url": "http://127.0.0.1:9/h", "events": ["case.created"], "reason": "x"},
        format="json",
    )
    assert refused.status_code == 403
    client = api_client(token_for(carol))
    created = client.post(
        "/api/v1/webhooks/",
        {"url": "http://127.0.0.1:9/h", "events": ["case.created", "nope"], "reason": "x"},
        format="json",
    )
    assert created.status_code == 400
    assert "events" in created.json()["error"]["fields"]
    created = client.post(
        "/api/v1/webhooks/",
        {"url": "http://127.0.0.1:9/h", "events": ["case.created"], "reason": "对接"},
        format="json",
    )
    assert created.status_code == 201
    assert len(created.json()["secret"]) == 64
    listed = client.get("/api/v1/webhooks/").json()["results"]
    assert "secret" not in listed[0]


def _subscribe(carol, url, events_=("case.created", "case.transitioned")):
    return services.webhook_subscribe(by=carol, url=url, events=list(events_), reason="对接")


def test_signed_delivery_verifies(
    carol, alice, county_a, dept_a, allow_private, django_capture_on_commit_callbacks
):
    with Receiver() as receiver:
        sub = _subscribe(carol, receiver.url)
        receiver.secret_for = lambda: sub.secret
        with django_capture_on_commit_callbacks(execute=True):
            case = make_case("item", county_a, alice, department=dept_a)
        delivery = WebhookDelivery.objects.get()
        assert delivery.event == "case.created"
        assert webhooks.deliver(delivery.pk) == WebhookDelivery.State.DELIVERED
    [got] = receiver.received
    assert got["valid"] is True
    assert got["headers"]["X-Tracker-Event"] == "case.created"
    assert got["payload"]["data"]["reference"] == case.reference
    assert got["payload"]["id"] == str(delivery.uuid)
    body = webhooks.body_of(delivery)
    ts = got["headers"]["X-Tracker-Timestamp"]
    assert not webhooks.verify("wrong-secret", ts, body, got["headers"]["X-Tracker-Signature"])
    assert not webhooks.verify(sub.secret, ts, body + b" ", got["headers"]["X-Tracker-Signature"])


def test_failed_delivery_is_retried_with_backoff_and_logged(
    carol, alice, case_a, allow_private, django_capture_on_commit_callbacks
):
    with Receiver(answers=[500, 503]) as receiver:
        sub = _subscribe(carol, receiver.url)
        receiver.secret_for = lambda: sub.secret
        with django_capture_on_commit_callbacks(execute=True):
            case_services.case_transition(
                case=case_a, to="under_review", by=alice, reason="开始核查"
            )
        delivery = WebhookDelivery.objects.get()
        assert delivery.event == "case.transitioned"
        assert delivery.payload["data"]["previous_status"] == "registered"
        before = timezone.now()
        assert webhooks.deliver(delivery.pk) == WebhookDelivery.State.RETRYING
        delivery.refresh_from_db()
        assert delivery.attempts == 1
        wait = delivery.next_attempt_at - before
        assert datetime.timedelta(seconds=29) < wait < datetime.timedelta(seconds=32)
        assert webhooks.due_ids() == []  # not due before its backoff
        assert webhooks.deliver(delivery.pk) == WebhookDelivery.State.RETRYING
        delivery.refresh_from_db()
        wait = delivery.next_attempt_at - timezone.now()
        assert datetime.timedelta(seconds=58) < wait < datetime.timedelta(seconds=61)
        assert webhooks.deliver(delivery.pk) == WebhookDelivery.State.DELIVERED
    log = list(
        WebhookAttempt.objects.filter(delivery=delivery).values_list("status_code", flat=True)
    )
    assert log == [500, 503, 200]
    assert all(r["valid"] for r in receiver.received)


def test_delivery_gives_up_after_the_last_attempt(
    settings, carol, alice, case_a, allow_private, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    sub = _subscribe(carol, "http://127.0.0.1:9/closed-port")
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_transition(case=case_a, to="under_review", by=alice, reason="核查")
    delivery = WebhookDelivery.objects.get(subscription=sub)
    assert webhooks.deliver(delivery.pk) == WebhookDelivery.State.RETRYING
    assert webhooks.deliver(delivery.pk) == WebhookDelivery.State.FAILED
    attempts = list(delivery.log.all())
    assert len(attempts) == 2 and all(a.status_code is None and a.error for a in attempts)
    assert webhooks.deliver(delivery.pk) == WebhookDelivery.State.FAILED  # left alone
    assert delivery.log.count() == 2


def test_a_failing_event_source_never_fails_the_users_action(
    carol, alice, case_a, allow_private, django_capture_on_commit_callbacks, monkeypatch
):
    _subscribe(carol, "http://127.0.0.1:9/h")

    def broken(*args):
        raise RuntimeError("event source broken")

    monkeypatch.setitem(events._SOURCES, "tracker.Case", broken)
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_transition(case=case_a, to="under_review", by=alice, reason="核查")
    case_a.refresh_from_db()
    assert case_a.status == "under_review"
    assert not WebhookDelivery.objects.exists()


def test_events_stay_in_the_subscriptions_scope(
    carol, alice, bob, county_a, county_b, allow_private, django_capture_on_commit_callbacks
):
    from tests.factories import UserFactory

    admin_b = UserFactory(username="admin_b", role="admin", jurisdiction=county_b)
    sub_b = _subscribe(admin_b, "http://127.0.0.1:9/b")
    with django_capture_on_commit_callbacks(execute=True):
        make_case("item", county_a, alice)
        make_case("item", county_b, bob)
    assert WebhookDelivery.objects.filter(subscription=sub_b).count() == 1


def test_rolled_back_changes_raise_no_event(
    carol, alice, county_a, allow_private, django_capture_on_commit_callbacks
):
    from django.db import transaction

    _subscribe(carol, "http://127.0.0.1:9/h")
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                make_case("item", county_a, alice)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        make_case("fee", county_a, alice)
    assert [d.payload["data"]["kind"] for d in WebhookDelivery.objects.all()] == ["fee"]
