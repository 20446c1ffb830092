"""Template context shared by every page."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from tracker.deadlines.reminders import unread_count


def unread_notifications(request: HttpRequest) -> dict:
    """``unread_notifications``: the user's unread count, queried only when a template uses it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    # Counted when the user was loaded (tracker.cases.auth.ScopedModelBackend): no query here.
    counted = getattr(user, "unread_notification_count", None)
    if counted is not None:
        return {"unread_notifications": counted}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
