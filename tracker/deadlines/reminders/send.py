"""Sending a run: notifications written once (dedupe key), then one e-mail per user."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tracker.deadlines.reminders.collect import _chunks, reminders_due
from tracker.deadlines.reminders.queries import site_url
from tracker.deadlines.reminders.rules import CHUNK, ReminderRun, log
from tracker.models import Notification, User

# --- writes -------------------------------------------------------------------------------


def _package():
    """``tracker.deadlines.reminders``, whose ``EMAIL_MAX_ITEMS`` and ``send_mail`` an e-mail uses:
    looked up there at call time, the names callers and tests replace."""
    from tracker.deadlines import reminders as package

    return package


def email_wanted(user: User) -> bool:
    return bool(user.is_active and user.email_reminders and (user.email or "").strip())


def reminders_send(
    *, today: datetime.date | None = None, email: bool = True, dry_run: bool = False
) -> ReminderRun:
    """Create today's missing notifications, then e-mail each recipient once about the new ones.

    Idempotent: notifications are unique by dedupe key, and an e-mail is claimed
    (``emailed_at`` set) before it is sent and released again if sending fails, so a second
    run the same day sends nothing twice and retries only what failed.
    """
    today = today or timezone.localdate()
    due = reminders_due(today)
    run = ReminderRun(day=today, due=len(due))
    keys = [r.key[:200] for r in due]
    existing: set[str] = set()
    for chunk in _chunks(keys):
        existing.update(
            Notification.objects.filter(dedupe_key__in=chunk).values_list("dedupe_key", flat=True)
        )
    new = [r for r in due if r.key[:200] not in existing]
    run.created = len(new)
    if dry_run:
        return run
    now = timezone.now()
    with transaction.atomic():
        Notification.objects.bulk_create(
            [r.as_notification(now) for r in new], batch_size=CHUNK, ignore_conflicts=True
        )
    if email:
        _email_pending(keys, today, run)
    return run


def _start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _email_pending(keys: list[str], today: datetime.date, run: ReminderRun) -> None:
    """E-mail today's not yet e-mailed notifications among ``keys``, one e-mail per user."""
    pending: dict[int, list[int]] = defaultdict(list)
    for chunk in _chunks(keys):
        rows = Notification.objects.filter(
            dedupe_key__in=chunk, emailed_at__isnull=True, created_at__gte=_start_of_day(today)
        ).values_list("user_id", "pk")
        for user_id, pk in rows:
            pending[user_id].append(pk)
    users = User.objects.in_bulk(list(pending))
    for user_id, ids in pending.items():
        user = users.get(user_id)
        if user is None or not email_wanted(user):
            run.opted_out += 1
            continue
        _email_user(user, ids, run)


def _email_user(user: User, ids: list[int], run: ReminderRun) -> None:
    stamp = timezone.now()
    # Claim first (a concurrent run sees emailed_at set and skips), send, release on failure.
    Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).update(emailed_at=stamp)
    claimed = list(Notification.objects.filter(pk__in=ids, emailed_at=stamp).order_by("id"))
    if not claimed:
        return
    with translation.override(settings.LANGUAGE_CODE):
        if len(claimed) == 1:
            subject = claimed[0].subject
            body = claimed[0].body
        else:
            subject = _("【%(site)s】您有 %(n)d 条新提醒") % {
                "site": settings.TRACKER_SITE_TITLE,
                "n": len(claimed),
            }
            shown = claimed[: _package().EMAIL_MAX_ITEMS]
            body = "\n\n".join(f"{i}. {n.subject}\n{n.body}" for i, n in enumerate(shown, 1))
            if len(claimed) > len(shown):
                body += "\n\n" + _("……另有 %(n)d 条提醒，请登录系统查看：%(url)s") % {
                    "n": len(claimed) - len(shown),
                    "url": site_url(reverse("notifications:list")),
                }
        body += "\n\n" + _("如不需要邮件提醒，可在系统“我的通知”页面关闭。")
    try:
        _package().send_mail(subject, body, None, [user.email], fail_silently=False)
    except Exception as exc:  # any transport error: release the claim and report
        Notification.objects.filter(pk__in=[n.pk for n in claimed], emailed_at=stamp).update(
            emailed_at=None
        )
        log.warning("reminder e-mail to user %s failed: %s", user.pk, exc)
        run.failures.append(f"user {user.pk}: {exc.__class__.__name__}: {exc}")
        return
    run.emails_sent += 1
    run.notifications_emailed += len(claimed)
