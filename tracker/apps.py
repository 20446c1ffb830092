from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tracker"
    verbose_name = _("清理台账")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from tracker.audit import signals
        from tracker.web import checks, security  # noqa: F401 - registers checks and signal receivers

        post_migrate.connect(signals.install_audit_triggers, sender=self)

        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in

        from tracker.cases.auth import update_last_login_without_history

        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(update_last_login_without_history, dispatch_uid="update_last_login")
