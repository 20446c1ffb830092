from django.apps import AppConfig


class FifthKindConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tests.fifth_kind"
    label = "fifth_kind"

    def ready(self) -> None:
        from tests.fifth_kind import kinds

        kinds.register_all()
