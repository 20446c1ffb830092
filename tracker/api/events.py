"""Webhook events, derived from history rows once the transaction commits.

Every tracked save writes a history row (django-simple-history); the rows of a transaction are
collected and, after commit, turned into events (case created, transitioned, decision
superseded, inspector flag raised, report issued, and what domain apps register, such as list
entries). Each event goes to the active subscriptions whose jurisdiction subtree holds it. Making
the deliveries never fails or delays the user's action: it runs after commit, and any error is
logged. Bulk paths that write history rows directly (the fast import) raise no events.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.dispatch import receiver
from simple_history.signals import post_create_historical_record

from tracker.api.models import WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    name: str
    jurisdiction_path: str
    occurred_at: str
    data: dict


# model label -> function(object id, history id, history type) -> events
EventSource = Callable[[int, int, str], Iterable[Event]]
_SOURCES: dict[str, EventSource] = {}


def register_event_source(model_label: str, source: EventSource) -> None:
    """Domain apps add their events here (e.g. credit list entries → "list.entry")."""
    _SOURCES[model_label] = source


def _case_summary(case_row) -> dict:
    from tracker.cases.registry import get_kind

    data = {
        "reference": case_row.reference,
        "kind": case_row.kind,
        "jurisdiction": case_row.jurisdiction.code,
        "status": case_row.status,
        "disposition": case_row.disposition,
        "decision_doc_no": case_row.decision_doc_no,
        "version": case_row.version,
    }
    if not get_kind(case_row.kind).personal:  # no personal details leave in a payload
        data["title"] = case_row.title
    return data


def case_events(pk: int, history_id: int, history_type: str) -> list[Event]:
    from tracker.models import Case

    row = Case.history.select_related("jurisdiction").get(history_id=history_id)
    when = row.history_date.isoformat()
    path = row.jurisdiction.path
    data = _case_summary(row)
    if history_type == "+":
        return [Event("case.created", path, when, data)]
    if history_type != "~":
        return []
    prev = Case.history.filter(id=pk, history_id__lt=history_id).order_by("-history_id").first()
    if prev is None:
        return []
    events = []
    if prev.status != row.status:
        reason = row.history_change_reason or ""
        events.append(
            Event(
                "case.transitioned",
                path,
                when,
                {
                    **data,
                    "previous_status": prev.status,
                    "reason": reason if "title" in data else "",
                },
            )
        )
    decided_before = bool(prev.disposition or prev.decision_doc_no)
    if decided_before and (
        (prev.disposition, prev.decision_doc_no, prev.decision_date)
        != (row.disposition, row.decision_doc_no, row.decision_date)
    ):
        events.append(
            Event(
                "decision.superseded",
                path,
                when,
                {
                    **data,
                    "previous_disposition": prev.disposition,
                    "previous_decision_doc_no": prev.decision_doc_no,
                },
            )
        )
    return events


def flag_events(pk: int, history_id: int, history_type: str) -> list[Event]:
    from tracker.models import CaseFlag

    if history_type != "+":
        return []
    row = CaseFlag.history.select_related("case__jurisdiction").get(history_id=history_id)
    return [
        Event(
            "red_flag.raised",
            row.case.jurisdiction.path,
            row.history_date.isoformat(),
            {
                "reference": row.case.reference,
                "kind": row.case.kind,
                "flag_type": row.flag_type,
                "flag_id": row.id,
            },
        )
    ]


def report_events(pk: int, history_id: int, history_type: str) -> list[Event]:
    from tracker.models import MonthlyReport

    row = MonthlyReport.history.select_related("jurisdiction").get(history_id=history_id)
    if row.state != MonthlyReport.State.ISSUED:
        return []
    prev = (
        MonthlyReport.history.filter(id=pk, history_id__lt=history_id)
        .order_by("-history_id")
        .first()
    )
    if prev is not None and prev.state == MonthlyReport.State.ISSUED:
        return []
    return [
        Event(
            "report.issued",
            row.jurisdiction.path,
            row.history_date.isoformat(),
            {
                "id": row.id,
                "jurisdiction": row.jurisdiction.code,
                "month": row.month.isoformat(),
                "sha256": row.sha256,
            },
        )
    ]


register_event_source("tracker.Case", case_events)
register_event_source("tracker.CaseFlag", flag_events)
register_event_source("tracker.MonthlyReport", report_events)


# --- collecting a transaction's rows and turning them into deliveries after commit ----------

_local = threading.local()


def _pending() -> list:
    """This transaction's collected rows (a rolled-back transaction's are dropped)."""
    pending = getattr(_local, "pending", None)
    if pending is not None and (
        not connection.in_atomic_block
        or not any(entry[1] is pending.flush for entry in connection.run_on_commit)
    ):
        pending = None  # the transaction that collected them has gone
    if pending is None:
        pending = _Pending()
        _local.pending = pending
        transaction.on_commit(pending.flush, robust=True)
    return pending.items


class _Pending:
    def __init__(self):
        self.items: list[tuple[str, int, int, str]] = []

    def flush(self) -> None:
        if getattr(_local, "pending", None) is self:
            _local.pending = None
        try:
            create_deliveries(self.items)
        except Exception:  # never fail the user's (committed) action
            logger.exception("webhook events could not be recorded")


@receiver(post_create_historical_record)
def _history_row(sender, instance, history_instance, **kwargs) -> None:
    label = instance._meta.label
    if label in _SOURCES:
        _pending().append(
            (label, instance.pk, history_instance.history_id, history_instance.history_type)
        )


def create_deliveries(items: list[tuple[str, int, int, str]]) -> list[int]:
    """Events of the committed rows → one delivery per matching active subscription."""
    from tracker.api.webhooks import schedule

    if not items:
        return []
    subscriptions = list(
        WebhookSubscription.objects.filter(active=True).select_related("jurisdiction")
    )
    if not subscriptions:
        return []
    created = []
    for label, pk, history_id, history_type in items:
        for event in _SOURCES[label](pk, history_id, history_type):
            for sub in subscriptions:
                if event.name in sub.events and event.jurisdiction_path.startswith(
                    sub.jurisdiction.path
                ):
                    delivery = WebhookDelivery(subscription=sub, event=event.name, payload={})
                    delivery.payload = {
                        "id": str(delivery.uuid),
                        "event": event.name,
                        "occurred_at": event.occurred_at,
                        "data": event.data,
                    }
                    delivery.save()
                    created.append(delivery.pk)
    schedule(created)
    return created
