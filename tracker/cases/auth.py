"""Authentication backend: the signed-in user is loaded with what every page needs from it,
the jurisdiction that scopes the page and the unread count of the header, in one query
instead of three on every request."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone


class ScopedModelBackend(ModelBackend):
    """``ModelBackend`` whose ``get_user`` joins the user's jurisdiction and counts their
    unread notifications (``unread_notification_count``, read by the context processor)."""

    def get_user(self, user_id):
        from tracker.deadlines.reminders import unread_notifications

        model = get_user_model()
        unread = (
            unread_notifications(OuterRef("pk"))
            .order_by()
            .values("user")
            .annotate(n=Count("pk"))
            .values("n")
        )
        try:
            user = (
                model._default_manager.select_related("jurisdiction")
                .annotate(unread_notification_count=Coalesce(Subquery(unread), 0))
                .get(pk=user_id)
            )
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


def update_last_login_without_history(sender, user, **kwargs) -> None:
    """Replaces Django's ``update_last_login``: a login stamps ``last_login`` but writes no
    history row (it would be a version with no visible change in every timeline and the audit
    log; logins are in the security log instead)."""
    user.last_login = timezone.now()
    user.skip_history_when_saving = True
    try:
        user.save(update_fields=["last_login"])
    finally:
        del user.skip_history_when_saving
