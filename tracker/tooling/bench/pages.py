"""Page figures: each page requested through Django's test client, median and 95th percentile
of repeated requests, CPU time, and the SQL query count of one more request. Pages compared
with each other (the case list and the admin changelist) are measured interleaved."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tracker.tooling.bench.targets import DEEP_PAGE, PER_PAGE, percentile

# Pages measured side by side: ours and the admin changelist at the same page size and filter.
PAIRS = [["list_page1", "admin_page1"], ["list_filtered", "admin_filtered"]]
PAIRS += [["list_deep", "admin_deep"]]


def timed_pages(
    targets: list[tuple[Client, str]], repeat: int, warmup: int = 2
) -> list[dict[str, Any]]:
    """Measure one or more pages with their requests interleaved (a, b, a, b, …): pages
    compared with each other (the list and the admin changelist) see the same machine."""

    def get(client: Client, url: str):
        response = client.get(url)
        if response.status_code != 200:
            raise CommandError(f"GET {url} returned {response.status_code}")
        return response

    for _ in range(warmup):
        for client, url in targets:
            get(client, url)
    times: list[list[float]] = [[] for _ in targets]
    cpu: list[list[float]] = [[] for _ in targets]
    for _ in range(repeat):
        for n, (client, url) in enumerate(targets):
            t, c = time.perf_counter(), time.process_time()
            get(client, url)
            times[n].append((time.perf_counter() - t) * 1000)
            cpu[n].append((time.process_time() - c) * 1000)
    results = []
    for n, (client, url) in enumerate(targets):
        with CaptureQueriesContext(connection) as ctx:
            response = get(client, url)
        results.append(
            {
                "url": url,
                "p50_ms": round(statistics.median(times[n]), 1),
                "p95_ms": round(percentile(times[n], 95), 1),
                "min_ms": round(min(times[n]), 1),
                # CPU time of this process: the whole server on SQLite, without the
                # database server's share on PostgreSQL. Less sensitive to other load.
                "cpu_p50_ms": round(statistics.median(cpu[n]), 1),
                "queries": len(ctx.captured_queries),
                "bytes": len(response.content),
                "repeat": repeat,
            }
        )
    return results


def page_plan(data: dict[str, Any], admin_client: Client, county_client: Client, deep: int):
    """(figure key, client, URL) for every page figure."""
    city, county = data["city"], data["county_user"].jurisdiction
    cases_url = reverse("tracker:case_list")
    admin_url = reverse("admin:tracker_case_changelist")
    filt = "kind=item&status=in_progress"
    plan = [
        ("list_page1", admin_client, cases_url),
        ("list_filtered", admin_client, f"{cases_url}?{filt}&jurisdiction={city.pk}"),
        ("list_deep", admin_client, f"{cases_url}?page={deep}"),
        ("admin_page1", admin_client, admin_url),
        ("admin_filtered", admin_client, f"{admin_url}?kind__exact=item&status__exact=in_progress"),
        ("admin_deep", admin_client, f"{admin_url}?p={deep}"),
        ("list_page1_county", county_client, cases_url),
        ("list_filtered_county", county_client, f"{cases_url}?{filt}&jurisdiction={county.pk}"),
    ]
    case_pages = [("detail_200", "case_detail", "big"), ("timeline_200", "case_history", "big")]
    # issue 3: a timeline of 500 events, page 1; a typical case page
    case_pages += [("timeline_500", "case_history", "big500")]
    case_pages += [("detail_typical", "case_detail", "typical")]
    for key, name, which in case_pages:
        if data.get(which) is not None:
            url = reverse(f"tracker:{name}", args=[data[which].reference])
            plan.append((key, admin_client, url))
    plan.append(("dashboard", admin_client, reverse("tracker:dashboard")))
    plan.append(("dashboard_county", county_client, reverse("tracker:dashboard")))
    return plan


def measure_pages(data: dict[str, Any], repeat: int, note: Callable[[str], None]):
    """Every page figure, and the ratios of the list to the admin changelist."""
    from django.contrib import admin as django_admin

    from tracker.models import Case

    admin_client, county_client = Client(), Client()
    admin_client.force_login(data["admin"])
    county_client.force_login(data["county_user"])
    # Compare like with like: the admin changelist at the list's page size.
    case_admin = django_admin.site._registry[Case]
    saved_per_page = case_admin.list_per_page
    case_admin.list_per_page = PER_PAGE
    deep = max(1, min(DEEP_PAGE, -(-Case.objects.count() // PER_PAGE)))
    plan = page_plan(data, admin_client, county_client, deep)
    figures: dict[str, Any] = {"deep_page": deep}
    try:
        by_key = {key: (client, url) for key, client, url in plan}
        paired = {k for pair in PAIRS for k in pair}
        groups = PAIRS + [[key] for key, _c, _u in plan if key not in paired]
        for group in groups:
            results = timed_pages([by_key[k] for k in group], repeat)
            for key, f in zip(group, results, strict=True):
                figures[key] = f
                note(
                    f"  {key:<22} p50 {f['p50_ms']:>7.1f} ms  p95 {f['p95_ms']:>7.1f} ms  "
                    f"cpu {f['cpu_p50_ms']:>6.1f} ms  {f['queries']:>3} queries"
                )
    finally:
        case_admin.list_per_page = saved_per_page
    for which in ("page1", "filtered", "deep"):
        ours, theirs = figures[f"list_{which}"], figures[f"admin_{which}"]
        figures[f"ratio_{which}"] = round(ours["p50_ms"] / theirs["p50_ms"], 2)
        if theirs["cpu_p50_ms"]:
            figures[f"ratio_cpu_{which}"] = round(ours["cpu_p50_ms"] / theirs["cpu_p50_ms"], 2)
    return figures
