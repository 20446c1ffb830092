from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tracker"
    verbose_name = _("清理台账")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from tracker import checks, security, signals  # noqa: F401

        post_migrate.connect(signals.install_audit_triggers, sender=self)
