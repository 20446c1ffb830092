"""Fixtures for tests that need real commits (live server, threads, several processes).

Such tests end with a flush of every table, which the append-only triggers would refuse, so the
triggers are dropped just before the flush and installed again once the test is torn down.
Import both names into the conftest.py of a folder whose tests use ``committed_db``.
"""

from __future__ import annotations

import pytest
from django.db import connections
from pytest_django.plugin import blocking_manager_key

from tracker.audit.chain import drop_triggers, install_triggers


@pytest.fixture
def committed_db(transactional_db):
    """transactional_db whose closing flush is allowed past the append-only triggers."""
    install_triggers(connections["default"])
    yield
    drop_triggers(connections["default"])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    # After the session's last test the test database is already gone: nothing to restore.
    if nextitem is not None and "committed_db" in getattr(item, "fixturenames", ()):
        with item.config.stash[blocking_manager_key].unblock():
            install_triggers(connections["default"])
