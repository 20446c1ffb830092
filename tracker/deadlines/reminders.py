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
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tracker.cases.scoping import user_role
from tracker.cases.services import tracked_save
from tracker.cases.workflow import OPEN_STATUSES, Role
from tracker.models import Case, Milestone, Note, Notification, User

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


# --- reads --------------------------------------------------------------------------------


def site_url(path: str) -> str:
    """Absolute link when TRACKER_SITE_URL is set (e-mails need one), otherwise the path."""
    return (getattr(settings, "TRACKER_SITE_URL", "") or "").rstrip("/") + path


def case_url(reference: str) -> str:
    return site_url(reverse("tracker:case_detail", kwargs={"reference": reference}))


def _days_phrase(days_left: int) -> str:
    if days_left <= 0:
        return _("今天到期")
    if days_left == 1:
        return _("明天到期")
    return _("还有 %(n)d 天到期") % {"n": days_left}


def active_owner_q(prefix: str = "owner") -> Q:
    return Q(**{f"{prefix}__isnull": False, f"{prefix}__is_active": True})


def cases_due_within(today: datetime.date, days: int = LONGEST_WINDOW) -> models.QuerySet[Case]:
    """Open cases with an active owner whose deadline is today or within ``days`` days."""
    return (
        Case.objects.filter(
            active_owner_q(),
            status__in=OPEN_STATUSES,
            deadline__gte=today,
            deadline__lte=today + datetime.timedelta(days=days),
        )
        .select_related("jurisdiction")
        .only("id", "reference", "title", "deadline", "owner", "jurisdiction__name")
        .order_by("deadline", "id")
    )


def milestones_due_within(
    today: datetime.date, days: int = LONGEST_WINDOW
) -> models.QuerySet[Milestone]:
    """Pending milestones of open cases with an active owner, due today or within ``days``."""
    return (
        Milestone.objects.filter(
            active_owner_q("case__owner"),
            done=False,
            case__status__in=OPEN_STATUSES,
            due_date__gte=today,
            due_date__lte=today + datetime.timedelta(days=days),
        )
        .select_related("case")
        .only("id", "name", "due_date", "case__id", "case__reference", "case__title", "case__owner")
        .order_by("due_date", "id")
    )


def latest_overdue_note_subquery(field_name: str = "expected_date") -> models.Subquery:
    latest = Note.objects.filter(case=OuterRef("pk"), kind=Note.Kind.OVERDUE).order_by(
        "-created_at", "-id"
    )
    return models.Subquery(latest.values(field_name)[:1])


def overdue_cases_needing_explanation(today: datetime.date) -> models.QuerySet[Case]:
    """Overdue cases with an active owner and no explanation whose expected date is still ahead.

    Annotated with ``explained_until`` (the latest explanation's expected date, or None).
    """
    return (
        Case.objects.overdue(today)
        .filter(active_owner_q())
        .annotate(explained_until=latest_overdue_note_subquery())
        .filter(Q(explained_until__isnull=True) | Q(explained_until__lt=today))
        .only("id", "reference", "title", "deadline", "owner")
        .order_by("deadline", "id")
    )


def reform_admins() -> models.QuerySet[User]:
    return User.objects.filter(role=Role.ADMIN, is_active=True).select_related("jurisdiction")


def overdue_digest_rows(admin: User, today: datetime.date) -> tuple[int, list[Case]]:
    """The number of overdue cases in an admin's scope and the first rows of the digest."""
    scoped = Case.objects.for_user(admin).overdue(today)
    total = scoped.count()
    if not total:
        return 0, []
    rows = list(
        scoped.select_related("jurisdiction", "owner")
        .annotate(explained_until=latest_overdue_note_subquery())
        .order_by("deadline", "id")[:DIGEST_MAX_ROWS]
    )
    return total, rows


def _case_reminders(today: datetime.date) -> Iterator[Reminder]:
    for case in cases_due_within(today).iterator(chunk_size=CHUNK):
        days_left = (case.deadline - today).days
        kind = reminder_kind(days_left)
        if kind is None:
            continue
        when = _days_phrase(days_left)
        yield Reminder(
            user_id=case.owner_id,
            kind=kind,
            key=dedupe_key(kind, case.owner_id, case.pk, None, case.deadline.isoformat()),
            case_id=case.pk,
            subject=_("【到期提醒】%(ref)s %(title)s：%(when)s（%(date)s）")
            % {
                "ref": case.reference,
                "title": case.title[:60],
                "when": when,
                "date": case.deadline.isoformat(),
            },
            body=_(
                "您负责的事项 %(ref)s“%(title)s”（%(place)s）完成时限为 %(date)s，%(when)s。\n"
                "请及时推进办理并上传佐证材料：%(url)s"
            )
            % {
                "ref": case.reference,
                "title": case.title,
                "place": case.jurisdiction.name,
                "date": case.deadline.isoformat(),
                "when": when,
                "url": case_url(case.reference),
            },
        )


def _milestone_reminders(today: datetime.date) -> Iterator[Reminder]:
    for milestone in milestones_due_within(today).iterator(chunk_size=CHUNK):
        case = milestone.case
        days_left = (milestone.due_date - today).days
        kind = reminder_kind(days_left)
        if kind is None:
            continue
        when = _days_phrase(days_left)
        yield Reminder(
            user_id=case.owner_id,
            kind=kind,
            key=dedupe_key(
                kind, case.owner_id, case.pk, milestone.pk, milestone.due_date.isoformat()
            ),
            case_id=case.pk,
            milestone_id=milestone.pk,
            subject=_("【节点提醒】%(ref)s 节点“%(name)s”：%(when)s（%(date)s）")
            % {
                "ref": case.reference,
                "name": milestone.name,
                "when": when,
                "date": milestone.due_date.isoformat(),
            },
            body=_(
                "您负责的事项 %(ref)s“%(title)s”的进度节点“%(name)s”计划于 %(date)s 完成，"
                "%(when)s。\n完成后请记录实际完成日期和文号：%(url)s"
            )
            % {
                "ref": case.reference,
                "title": case.title,
                "name": milestone.name,
                "date": milestone.due_date.isoformat(),
                "when": when,
                "url": case_url(case.reference),
            },
        )


def _explanation_requests(today: datetime.date) -> Iterator[Reminder]:
    for case in overdue_cases_needing_explanation(today).iterator(chunk_size=CHUNK):
        until = case.explained_until.isoformat() if case.explained_until else "none"
        days = (today - case.deadline).days
        if case.explained_until:
            body = _(
                "您负责的事项 %(ref)s“%(title)s”已逾期 %(days)d 天，上次逾期说明中的预计完成日期"
                "（%(until)s）也已过去。请填写新的逾期说明：%(url)s"
            )
        else:
            body = _(
                "您负责的事项 %(ref)s“%(title)s”完成时限为 %(deadline)s，已逾期 %(days)d 天。"
                "请填写逾期说明（原因及预计完成日期）：%(url)s"
            )
        yield Reminder(
            user_id=case.owner_id,
            kind=Kind.OTHER,
            key=dedupe_key(
                "overdue_owner", case.owner_id, case.pk, None, f"{case.deadline}/{until}"
            ),
            case_id=case.pk,
            subject=_("【逾期】%(ref)s %(title)s：请填写逾期说明")
            % {"ref": case.reference, "title": case.title[:60]},
            body=body
            % {
                "ref": case.reference,
                "title": case.title,
                "deadline": case.deadline.isoformat(),
                "days": days,
                "until": until,
                "url": site_url(
                    reverse("notifications:overdue_explanation", args=[case.reference])
                ),
            },
        )


def _digest_line(case: Case, today: datetime.date) -> str:
    explained = (
        _("预计 %(d)s 完成") % {"d": case.explained_until.isoformat()}
        if case.explained_until
        else _("未填写逾期说明")
    )
    return _(
        "%(ref)s %(title)s（%(place)s，时限 %(deadline)s，逾期 %(days)d 天，%(owner)s，%(x)s）"
    ) % {
        "ref": case.reference,
        "title": case.title[:80],
        "place": case.jurisdiction.name,
        "deadline": case.deadline.isoformat(),
        "days": (today - case.deadline).days,
        "owner": case.owner or _("未指定责任人"),
        "x": explained,
    }


def _overdue_digests(today: datetime.date) -> Iterator[Reminder]:
    for admin in reform_admins():
        total, rows = overdue_digest_rows(admin, today)
        if not total:
            continue
        lines = [f"- {_digest_line(case, today)}" for case in rows]
        if total > len(rows):
            lines.append(_("……另有 %(n)d 项，请登录系统查看。") % {"n": total - len(rows)})
        scope = admin.jurisdiction.name if admin.jurisdiction else _("全部")
        list_url = site_url(reverse("tracker:case_list"))
        yield Reminder(
            user_id=admin.pk,
            kind=Kind.OVERDUE_DIGEST,
            key=dedupe_key(Kind.OVERDUE_DIGEST, admin.pk, None, None, today.isoformat()),
            subject=_("【逾期汇总】%(scope)s：%(n)d 项事项已逾期（%(day)s）")
            % {"scope": scope, "n": total, "day": today.isoformat()},
            body=_("截至 %(day)s，%(scope)s共有 %(n)d 项在办事项已超过完成时限：")
            % {"day": today.isoformat(), "scope": scope, "n": total}
            + "\n"
            + "\n".join(lines)
            + "\n"
            + _("全部逾期事项：%(url)s") % {"url": f"{list_url}?overdue=true"},
        )


def reminders_due(today: datetime.date | None = None) -> list[Reminder]:
    """Every reminder that should exist today (new or already sent), in Chinese."""
    today = today or timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        return [
            *_case_reminders(today),
            *_milestone_reminders(today),
            *_explanation_requests(today),
            *_overdue_digests(today),
        ]


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def notifications_for(user: User) -> models.QuerySet[Notification]:
    """A user's own notifications, newest first, with the case reference joined in."""
    return (
        Notification.objects.filter(user=user)
        .select_related("case", "milestone")
        .order_by("-created_at", "-id")
    )


def unread_notifications(user) -> models.QuerySet[Notification]:
    """A user's unread notifications (``user`` may be an ``OuterRef``)."""
    return Notification.objects.filter(user=user, read_at__isnull=True)


def unread_count(user: User) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return unread_notifications(user).count()


# --- writes -------------------------------------------------------------------------------


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
            shown = claimed[:EMAIL_MAX_ITEMS]
            body = "\n\n".join(f"{i}. {n.subject}\n{n.body}" for i, n in enumerate(shown, 1))
            if len(claimed) > len(shown):
                body += "\n\n" + _("……另有 %(n)d 条提醒，请登录系统查看：%(url)s") % {
                    "n": len(claimed) - len(shown),
                    "url": site_url(reverse("notifications:list")),
                }
        body += "\n\n" + _("如不需要邮件提醒，可在系统“我的通知”页面关闭。")
    try:
        send_mail(subject, body, None, [user.email], fail_silently=False)
    except Exception as exc:  # any transport error: release the claim and report
        Notification.objects.filter(pk__in=[n.pk for n in claimed], emailed_at=stamp).update(
            emailed_at=None
        )
        log.warning("reminder e-mail to user %s failed: %s", user.pk, exc)
        run.failures.append(f"user {user.pk}: {exc.__class__.__name__}: {exc}")
        return
    run.emails_sent += 1
    run.notifications_emailed += len(claimed)


def notification_mark_read(*, notification: Notification, user: User) -> Notification:
    """Mark one of the user's own notifications read (no-op when already read)."""
    if notification.user_id != user.pk:
        raise PermissionDenied(_("只能处理自己的通知。"))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    """Mark all of the user's unread notifications read; returns how many."""
    return unread_notifications(user).update(read_at=timezone.now())


@transaction.atomic
def user_set_email_reminders(*, user: User, enabled: bool, by: User) -> User:
    """Turn a user's e-mail reminders on or off (themselves, or a reform admin), with history."""
    if by.pk != user.pk and user_role(by) != Role.ADMIN:
        raise PermissionDenied(_("只能修改自己的邮件提醒设置。"))
    current = User.objects.select_for_update().get(pk=user.pk)
    if current.email_reminders == enabled:
        return current
    current.email_reminders = enabled
    reason = _("开启邮件提醒") if enabled else _("关闭邮件提醒")
    tracked_save(current, by=by, reason=reason, clean=False)
    user.email_reminders = enabled
    return current
