from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tracker.api"
    label = "api"
    verbose_name = _("接口与数据交换")

    def ready(self) -> None:
        from tracker.api import events  # noqa: F401 - connects the webhook event receivers
