from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntermediariesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "intermediaries"
    verbose_name = _("中介服务")

    def ready(self) -> None:
        from intermediaries import api, kinds

        kinds.register_all()
        api.register_all()  # the firm register's API routes
