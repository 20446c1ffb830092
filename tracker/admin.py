"""The admin of the tracker app: Django autodiscovers this module; each concern registers its own."""

from tracker.cases import admin as cases_admin  # noqa: F401
from tracker.imports import admin as imports_admin  # noqa: F401
from tracker.reports import admin as reports_admin  # noqa: F401
