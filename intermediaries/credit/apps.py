from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "intermediaries.credit"
    label = "credit"
    verbose_name = _("中介机构信用与监管")

    def ready(self) -> None:
        from intermediaries.credit import hooks

        hooks.register_all()
