from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntermediariesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "intermediaries"
    verbose_name = _("中介服务")

    def ready(self) -> None:
        from intermediaries import kinds

        kinds.register_all()
