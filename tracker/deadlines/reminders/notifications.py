"""A user's notifications: lists, unread counts, marking read, the e-mail setting."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.cases.scoping import user_role
from tracker.cases.services import tracked_save
from tracker.cases.workflow import Role
from tracker.models import Notification, User


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
