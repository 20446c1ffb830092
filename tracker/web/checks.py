"""System checks run at start-up: a misconfigured report font is refused with a clear message."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register


@register()
def report_font_check(app_configs, **kwargs):
    from tracker.reports.fonts import font_problem

    problem = font_problem(getattr(settings, "REPORT_FONT_PATH", ""))
    return [Error(problem, id="tracker.E001")] if problem else []
