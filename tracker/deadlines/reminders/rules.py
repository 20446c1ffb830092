"""The reminder rules: windows, the dedupe key, a reminder and a run's tally."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from tracker.models import Notification

log = logging.getLogger("tracker.deadlines.reminders")

Kind = Notification.Kind

# (days left at most, kind): the first window that contains the days left wins.
REMINDER_WINDOWS: tuple[tuple[int, str], ...] = (
    (1, Kind.DUE_1),
    (7, Kind.DUE_7),
    (30, Kind.DUE_30),
)
LONGEST_WINDOW = max(days for days, _kind in REMINDER_WINDOWS)
DIGEST_MAX_ROWS = 50
EMAIL_MAX_ITEMS = 30  # one e-mail lists at most this many reminders in full
CHUNK = 500


def reminder_kind(days_left: int) -> str | None:
    """The reminder window a due date falls in (``None`` when past or further than 30 days)."""
    if days_left < 0:
        return None
    for limit, kind in REMINDER_WINDOWS:
        if days_left <= limit:
            return kind
    return None


def dedupe_key(
    kind: str, user_id: int, case_id: int | None, milestone_id: int | None, day: object
) -> str:
    return f"{kind}:{user_id}:{case_id or ''}:{milestone_id or ''}:{day}"


@dataclass
class Reminder:
    """One message that should exist for one user (whether or not it already does)."""

    user_id: int
    kind: str
    key: str
    subject: str
    body: str
    case_id: int | None = None
    milestone_id: int | None = None

    def as_notification(self, now: datetime.datetime) -> Notification:
        return Notification(
            user_id=self.user_id,
            kind=self.kind,
            case_id=self.case_id,
            milestone_id=self.milestone_id,
            subject=self.subject[:200],
            body=self.body,
            dedupe_key=self.key[:200],
            created_at=now,
        )


@dataclass
class ReminderRun:
    """What one run did."""

    day: datetime.date
    due: int = 0  # reminders that should exist today
    created: int = 0  # of which new in-app notifications
    emails_sent: int = 0
    notifications_emailed: int = 0
    opted_out: int = 0  # users with new notifications who get no e-mail
    failures: list[str] = field(default_factory=list)
