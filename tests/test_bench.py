"""Smoke test of ``manage.py bench``: a tiny run in its own database produces every figure.

No time is asserted (the machine running the tests is not the benchmark machine). The command
runs in a subprocess because it points the default connection at a database of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PAGE_FIGURES = [
    "list_page1",
    "list_filtered",
    "list_deep",
    "list_page1_county",
    "list_filtered_county",
    "admin_page1",
    "admin_filtered",
    "admin_deep",
    "detail_200",
    "timeline_200",
    "detail_typical",
    "dashboard",
    "dashboard_county",
]
FEATURE_FIGURES = ["report", "import", "export", "verify_audit", "overhead"]


@pytest.fixture(scope="module")
def bench_result(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    proc = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "bench",
            "--cases",
            "300",
            "--history-per-case",
            "4",
            "--repeat",
            "2",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "1")},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8"))


def test_bench_reports_every_page_figure(bench_result):
    figures = bench_result["figures"]
    for key in PAGE_FIGURES:
        f = figures[key]
        assert f["p50_ms"] > 0 and f["p95_ms"] >= f["p50_ms"] * 0.5, key
        assert f["queries"] > 0, key
    for which in ("page1", "filtered", "deep"):
        assert figures[f"ratio_{which}"] > 0


def test_bench_reports_every_feature_figure(bench_result):
    figures = bench_result["figures"]
    for key in FEATURE_FIGURES:
        assert key in figures, key
        assert "error" not in figures[key], (key, figures[key])
    verify = figures["verify_audit"]
    assert verify["ok"] is True  # the bulk-built data is fully in the audit chain
    assert verify["rows"] >= bench_result["data"]["history_rows"]
    overhead = figures["overhead"]  # the input guard and the personal read log, per request
    assert overhead["guard_query_us"] > 0 and overhead["guard_form_us"] > 0
    assert overhead["read_log_us"] > 0  # the bench data has officials' post cases


def test_bench_records_machine_database_and_size(bench_result):
    assert bench_result["n_cases"] == 300
    assert bench_result["database"]["vendor"] in ("sqlite", "postgresql")
    assert bench_result["database"]["version"]
    assert bench_result["machine"]["cpu_count"] >= 1
    assert bench_result["data"]["cases"] == 301  # and the case with 200 history events
    assert bench_result["targets"]  # every figure is compared with its target


def test_bench_leaves_the_configured_database_alone(bench_result):
    assert bench_result["bench_database"] != str(ROOT / "db.sqlite3")
    assert not Path(bench_result["bench_database"]).exists()  # the temporary file is gone
