"""Deadline reminders and overdue digests: who is told what, in the app and by e-mail.

Rules:

- A case owner is reminded about each open case and each pending milestone whose due date falls
  within 30, 7 or 1 days (the most urgent window reached). A run that was missed is caught up
  the next day, and each window is notified once per due date: the dedupe key is
  ``f"{kind}:{user_id}:{case_id}:{milestone_id}:{due_date}"``, so a moved deadline or a new
  owner is reminded again, and running twice on one day sends nothing twice.
- A case owner whose case is overdue is asked once for an overdue explanation (逾期说明), and
  asked again when the expected date given in the latest explanation has passed.
- Every reform admin gets one digest a day of the overdue cases in their scope.
- Every reminder is an in-app ``Notification``; it is also e-mailed (one e-mail per user and
  run) unless the user turned e-mail off or has no address. ``emailed_at`` records the e-mail.

A package by concern: ``rules`` (windows, dedupe key, ``Reminder``), ``queries`` (the reads),
``collect`` (the reminders due on a day), ``notifications`` (a user's notifications) and
``send`` (a run: notifications, then e-mails). Every name is re-exported here: import from
``tracker.deadlines.reminders``; ``EMAIL_MAX_ITEMS`` and ``send_mail`` are read here at send time.
"""

from __future__ import annotations

from django.core.mail import send_mail

from tracker.deadlines.reminders.collect import (
    _case_reminders,
    _chunks,
    _digest_line,
    _explanation_requests,
    _milestone_reminders,
    _overdue_digests,
    reminders_due,
)
from tracker.deadlines.reminders.notifications import (
    notification_mark_read,
    notifications_for,
    notifications_mark_all_read,
    unread_count,
    unread_notifications,
    user_set_email_reminders,
)
from tracker.deadlines.reminders.queries import (
    _days_phrase,
    active_owner_q,
    case_url,
    cases_due_within,
    latest_overdue_note_subquery,
    milestones_due_within,
    overdue_cases_needing_explanation,
    overdue_digest_rows,
    reform_admins,
    site_url,
)
from tracker.deadlines.reminders.rules import (
    CHUNK,
    DIGEST_MAX_ROWS,
    EMAIL_MAX_ITEMS,
    LONGEST_WINDOW,
    REMINDER_WINDOWS,
    Kind,
    Reminder,
    ReminderRun,
    dedupe_key,
    log,
    reminder_kind,
)
from tracker.deadlines.reminders.send import (
    _email_pending,
    _email_user,
    _package,
    _start_of_day,
    email_wanted,
    reminders_send,
)

__all__ = [
    "send_mail",
    "CHUNK",
    "DIGEST_MAX_ROWS",
    "EMAIL_MAX_ITEMS",
    "Kind",
    "LONGEST_WINDOW",
    "REMINDER_WINDOWS",
    "Reminder",
    "ReminderRun",
    "_case_reminders",
    "_chunks",
    "_days_phrase",
    "_digest_line",
    "_email_pending",
    "_email_user",
    "_explanation_requests",
    "_milestone_reminders",
    "_overdue_digests",
    "_package",
    "_start_of_day",
    "active_owner_q",
    "case_url",
    "cases_due_within",
    "dedupe_key",
    "email_wanted",
    "latest_overdue_note_subquery",
    "log",
    "milestones_due_within",
    "notification_mark_read",
    "notifications_for",
    "notifications_mark_all_read",
    "overdue_cases_needing_explanation",
    "overdue_digest_rows",
    "reform_admins",
    "reminder_kind",
    "reminders_due",
    "reminders_send",
    "site_url",
    "unread_count",
    "unread_notifications",
    "user_set_email_reminders",
]
