"""Webhook delivery: one plain function, ``deliver(delivery_id)``, and the worker that calls it.

A delivery is a signed JSON POST: ``X-Tracker-Timestamp`` (Unix seconds) and
``X-Tracker-Signature: sha256=HMAC-SHA256(secret, "<timestamp>." + body)``. A 2xx answer
delivers it; anything else (or no answer) is logged as an attempt and retried with exponential
backoff (TRACKER_WEBHOOK_RETRY_BASE_SECONDS × 2^(attempt−1)) up to TRACKER_WEBHOOK_MAX_ATTEMPTS.
With no broker configured a daemon thread of the app delivers; `manage.py deliver_webhooks`
delivers whatever is due (cron, or after a restart). A Celery task can call ``deliver`` as is.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from tracker.api.models import WebhookAttempt, WebhookDelivery
from tracker.api.urlcheck import check_webhook_url

logger = logging.getLogger(__name__)
LEASE = datetime.timedelta(minutes=2)  # a claimed delivery is not claimed again meanwhile


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, max_age: int = 300) -> bool:
    """What a receiver checks: the signature, and a timestamp no older than ``max_age``."""
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > max_age:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()


def backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts - 1))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer, not a hop (it could point anywhere)


_opener = urllib.request.build_opener(_NoRedirect)


def _claim(delivery_id: int) -> WebhookDelivery | None:
    """Take the delivery for one attempt, unless it is finished or another worker has it."""
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.state in (
        WebhookDelivery.State.DELIVERED,
        WebhookDelivery.State.FAILED,
    ):
        return None
    # Not tracked data (the delivery log has no history): a conditional UPDATE is the claim.
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk, next_attempt_at=delivery.next_attempt_at, attempts=delivery.attempts
    ).update(next_attempt_at=timezone.now() + LEASE)
    return delivery if claimed else None


def deliver(delivery_id: int) -> str:
    """Try one delivery once; returns its state afterwards (a finished one is left alone)."""
    delivery = _claim(delivery_id)
    if delivery is None:
        found = WebhookDelivery.objects.filter(pk=delivery_id).values_list("state", flat=True)
        return found[0] if found else "missing"
    subscription = delivery.subscription
    body = body_of(delivery)
    timestamp = str(int(time.time()))
    status_code, error = None, ""
    started = time.monotonic()
    try:
        if not subscription.active:
            raise ValidationError("subscription deactivated")
        check_webhook_url(subscription.url)  # again: the name may resolve elsewhere now
        request = urllib.request.Request(
            subscription.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "tracker-webhook/1",
                "X-Tracker-Event": delivery.event,
                "X-Tracker-Delivery": str(delivery.uuid),
                "X-Tracker-Timestamp": timestamp,
                "X-Tracker-Signature": sign(subscription.secret, timestamp, body),
            },
        )
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status_code = response.status
    except urllib.error.HTTPError as exc:
        status_code = exc.code
    except ValidationError as exc:
        error = "；".join(exc.messages)
    except Exception as exc:  # any failure is one failed attempt, logged
        error = f"{type(exc).__name__}: {exc}"[:2000]
    seconds = time.monotonic() - started
    ok = status_code is not None and 200 <= status_code < 300
    with transaction.atomic():
        current = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        WebhookAttempt.objects.create(
            delivery=current, status_code=status_code, error=error, seconds=seconds
        )
        current.attempts += 1
        now = timezone.now()
        if ok:
            current.state = WebhookDelivery.State.DELIVERED
            current.delivered_at = now
        elif current.attempts >= settings.WEBHOOK_MAX_ATTEMPTS or not subscription.active:
            current.state = WebhookDelivery.State.FAILED
        else:
            current.state = WebhookDelivery.State.RETRYING
            current.next_attempt_at = now + backoff(current.attempts)
        current.save(update_fields=["attempts", "state", "delivered_at", "next_attempt_at"])
    return current.state


def due_ids(limit: int = 100) -> list[int]:
    return list(
        WebhookDelivery.objects.filter(
            state__in=[WebhookDelivery.State.PENDING, WebhookDelivery.State.RETRYING],
            next_attempt_at__lte=timezone.now(),
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def deliver_due() -> int:
    """Deliver everything due now (the cron command and the worker's poll)."""
    ids = due_ids()
    for pk in ids:
        deliver(pk)
    return len(ids)


class Worker:
    """A daemon thread delivering submitted deliveries at once and due retries on a poll; it
    ends (closing its database connection) once nothing is left to deliver or retry."""

    def __init__(self):
        self.queue: queue.Queue[int] = queue.Queue()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def submit(self, delivery_id: int) -> None:
        with self.lock:
            self.queue.put(delivery_id)
            if self.thread is None:
                self.thread = threading.Thread(target=self.run, name="webhooks", daemon=True)
                self.thread.start()

    def poll_seconds(self) -> float:
        return max(0.05, min(5.0, settings.WEBHOOK_RETRY_BASE_SECONDS / 2))

    def _idle(self) -> bool:
        return not WebhookDelivery.objects.filter(
            state__in=[WebhookDelivery.State.PENDING, WebhookDelivery.State.RETRYING]
        ).exists()

    def run(self) -> None:
        try:
            while True:
                try:
                    delivery_id = self.queue.get(timeout=self.poll_seconds())
                except queue.Empty:
                    delivery_id = None
                try:
                    close_old_connections()
                    if delivery_id is not None:
                        deliver(delivery_id)
                    deliver_due()
                    idle = self._idle()
                except Exception:  # the worker outlives any one failure
                    logger.exception("webhook delivery failed")
                    idle = False
                if idle:
                    with self.lock:
                        if self.queue.empty():
                            self.thread = None
                            return
        finally:
            connection.close()


worker = Worker()


def schedule(delivery_ids: list[int]) -> None:
    if settings.WEBHOOK_WORKER == "thread":
        for pk in delivery_ids:
            worker.submit(pk)
