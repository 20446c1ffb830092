from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "fees"
    verbose_name = _("收费清理")

    def ready(self) -> None:
        from fees import kinds

        kinds.register_all()
