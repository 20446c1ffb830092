from tracker.config.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.fifth_kind"]  # noqa: F405
