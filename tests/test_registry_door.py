"""The kind registry is the only door between the core and the domain apps (issue 13, item 1).

No module of ``tracker/`` imports ``fees`` or ``intermediaries`` (demo and bench tooling
included: they reach the kinds through ``CaseKind.demo``/``CaseKind.bench`` and the apps'
``DataSetup``), and every registered kind brings its demo and bench data.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tracker.cases.registry import data_setups, kinds
from tracker.tooling.kinddata import BenchKind, DemoKind

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_APPS = {"fees", "intermediaries"}


def core_modules() -> list[Path]:
    return sorted(p for p in (ROOT / "tracker").rglob("*.py") if "migrations" not in p.parts)


def domain_imports(path: Path) -> list[str]:
    """Every import of a domain app in one file, at module level or inside a function."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            if name.split(".")[0] in DOMAIN_APPS:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    return found


def test_the_scan_reads_the_core_and_sees_a_domain_import():
    paths = {p.relative_to(ROOT).as_posix() for p in core_modules()}
    assert "tracker/management/commands/seed_demo.py" in paths
    assert "tracker/tooling/benchdata/__init__.py" in paths
    assert len(paths) > 50
    # The scan itself finds what it looks for (a domain app's module imports its models).
    assert domain_imports(ROOT / "fees" / "kinds.py")


def test_no_core_module_imports_a_domain_app():
    offending = [line for path in core_modules() for line in domain_imports(path)]
    assert offending == [], "core modules importing fees/intermediaries:\n" + "\n".join(offending)


def test_core_migrations_do_not_depend_on_domain_migrations():
    """The core's migration graph stands alone: its migrations name no domain app."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    core = [m for (app, _n), m in loader.disk_migrations.items() if app == "tracker"]
    assert len(core) > 10
    bad = [
        f"{m.name} -> {dep}"
        for m in core
        for dep in m.dependencies
        if dep[0] in DOMAIN_APPS or dep[0] == "credit"
    ]
    assert bad == []
    # the check itself sees a dependency where there is one (a domain app on the core)
    fees = [m for (app, _n), m in loader.disk_migrations.items() if app == "fees"]
    assert any(dep[0] == "tracker" for m in fees for dep in m.dependencies)


@pytest.mark.parametrize("key", ["item", "firm", "post", "fee"])
def test_every_kind_brings_its_demo_and_bench_data(key):
    by_key = {k.key: k for k in kinds()}
    assert set(by_key) >= {"item", "firm", "post", "fee"}
    kind = by_key[key]
    assert isinstance(kind.demo, DemoKind), key
    assert isinstance(kind.bench, BenchKind), key
    assert callable(kind.demo.plan) and kind.demo.done_at_decision > 0
    assert callable(kind.bench.title) and callable(kind.bench.subject) and kind.bench.weight > 0
    # Milestone issuers name only milestones the kind has.
    codes = {m.code for m in kind.milestones}
    assert set(kind.demo.milestone_issuers) <= codes, key


def test_all_registered_kinds_have_the_hooks():
    missing = [k.key for k in kinds() if k.demo is None or k.bench is None]
    assert missing == []


def test_bench_has_one_timeline_case_kind_and_the_firms_come_from_a_setup():
    assert len([k for k in kinds() if k.bench.timeline_case]) == 1
    setups = {s.key: s for s in data_setups()}
    assert callable(setups["intermediaries"].demo)
    assert callable(setups["intermediaries"].bench)
