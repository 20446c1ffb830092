"""Deliver every webhook that is due now (cron, or after a restart left retries waiting)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from tracker.api.webhooks import deliver_due


class Command(BaseCommand):
    help = "Deliver the webhook deliveries that are due (pending, or retrying past their backoff)."

    def handle(self, *args, **options) -> None:
        total = 0
        while count := deliver_due():
            total += count
        self.stdout.write(f"{total} deliveries attempted")
