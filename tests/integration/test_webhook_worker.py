"""The worker thread delivers after a real commit, without the user's request waiting for it."""

from __future__ import annotations

import time

from tests.factories import DepartmentFactory, JurisdictionFactory, UserFactory, make_case
from tests.webhook_receiver import Receiver
from tracker.api import services
from tracker.api.models import WebhookDelivery


def test_worker_thread_delivers_after_commit_and_retries(committed_db, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_WORKER = "thread"
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0.2
    city = JurisdictionFactory(code="330100", name="测试市", level="city")
    county = JurisdictionFactory(code="330102", name="甲区", level="district", parent=city)
    admin = UserFactory(username="carol", role="admin", jurisdiction=city)
    staff = UserFactory(username="alice", role="staff", jurisdiction=county)
    dept = DepartmentFactory(jurisdiction=county, name="住建局")
    with Receiver(answers=[500]) as receiver:
        sub = services.webhook_subscribe(
            by=admin, url=receiver.url, events=["case.created"], reason="对接"
        )
        receiver.secret_for = lambda: sub.secret
        started = time.monotonic()
        case = make_case("item", county, staff, department=dept)
        assert time.monotonic() - started < 2  # the action does not wait for the receiver
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            delivery = WebhookDelivery.objects.filter(subscription=sub).first()
            if delivery is not None and delivery.state == WebhookDelivery.State.DELIVERED:
                break
            time.sleep(0.1)
    assert delivery.state == WebhookDelivery.State.DELIVERED, delivery.state
    assert delivery.attempts == 2
    assert [r["valid"] for r in receiver.received] == [True, True]
    assert receiver.received[-1]["payload"]["data"]["reference"] == case.reference
