"""Adding a kind touches one app: a test-only app registers a fifth kind and its own tests
(dashboard, list, report, import) run in a child pytest with that app installed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_fifth_kind_works_without_a_core_change():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.fifth_kind.settings"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/fifth_kind",
            "-o",
            "addopts=-p no:cacheprovider",
            "-p",
            "no:warnings",
            "-p",
            "no:randomly",
            "--ds=tests.fifth_kind.settings",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    summary = re.search(r"(\d+) passed", result.stdout)
    assert summary and int(summary.group(1)) >= 4, result.stdout[-2000:]
    assert "failed" not in result.stdout and "error" not in result.stdout.lower()
