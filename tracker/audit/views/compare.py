"""Version compare: a case's state at two points of its history, side by side."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tracker.audit import timeline
from tracker.cases import selectors
from tracker.cases.scoping import READERS, role_required
from tracker.models import Case


def _version(case: Case, token: str):
    """(label info, state) for a point token, or for "now"."""
    if token in ("", "now"):
        at = timezone.now()
        return None, at, timeline.case_state_as_of(case, at)
    point = timeline.resolve_point(case, token)
    return point, point.when, timeline.case_state_as_of(case, point.when)


@login_required
@role_required(*READERS)
@require_GET
def case_compare(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for_request(request, reference)
    context = {"case": case, "sections": None, "error": ""}
    if "a" not in request.GET:
        return render(request, "tracker/audit/compare.html", context)
    try:
        a = _version(case, request.GET.get("a", ""))
        b = _version(case, request.GET.get("b", "now"))
    except timeline.TimelineError as exc:
        context["error"] = str(exc)
        return render(request, "tracker/audit/compare.html", context, status=400)
    if a[1] > b[1]:
        a, b = b, a
    sections = timeline.compare_states(a[2], b[2])
    context.update(
        {
            "sections": sections,
            "a_point": a[0],
            "a_at": a[1],
            "b_point": b[0],
            "b_at": b[1],
            "changed_total": sum(s.changed_count for s in sections),
        }
    )
    return render(request, "tracker/audit/compare.html", context)
