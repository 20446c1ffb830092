"""The benchmark's own database: a temporary SQLite file, or ``bench_<pid>`` on PostgreSQL,
created, migrated and dropped around a run; the configured application data is never touched."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections


class BenchDatabase:
    """Point the default connection at a database of the benchmark's own, then put it back."""

    def __init__(self, *, keep: bool = False, reuse: str = "", out: Callable[[str], None]):
        self.keep = keep
        self.reuse = reuse
        self.out = out
        self.conn_settings = connections["default"].settings_dict
        self.original_name = self.conn_settings["NAME"]
        self.vendor = connections["default"].vendor
        self.name = ""
        self.tmpdir = ""

    def __enter__(self) -> BenchDatabase:
        if self.vendor == "sqlite":
            if self.reuse:
                self.name = self.reuse
            else:
                self.tmpdir = tempfile.mkdtemp(prefix="tracker-bench-")
                self.name = os.path.join(self.tmpdir, "bench.sqlite3")
            self._switch(self.name)
        elif self.vendor == "postgresql":
            self.name = self.reuse or f"bench_{os.getpid()}"
            if not self.reuse:
                with connection.cursor() as cursor:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}"')
                    cursor.execute(f'CREATE DATABASE "{self.name}"')
            self._switch(self.name)
        else:
            raise CommandError(f"bench supports SQLite and PostgreSQL, not {self.vendor}")
        self.out(f"bench database: {self.name} ({self.vendor})")
        # A reused database gets any migration added since it was built (new indexes too).
        try:
            call_command("migrate", verbosity=0, interactive=False)
        except BaseException:
            self.__exit__(None, None, None)  # a half-made bench database is not left behind
            raise
        return self

    def _switch(self, name: str) -> None:
        connections.close_all()
        self.conn_settings["NAME"] = name
        settings.DATABASES["default"]["NAME"] = name

    def __exit__(self, *exc) -> None:
        self._switch(self.original_name)
        if self.keep or self.reuse:
            self.out(f"kept the bench database: {self.name}")
            return
        if self.vendor == "sqlite":
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        else:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            connections.close_all()


def db_version() -> str:
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def analyze() -> None:
    """Planner statistics and, on PostgreSQL, the visibility map, as a running installation
    has them: PostgreSQL's autovacuum vacuums and analyses a table after a bulk load (the
    insert threshold, PostgreSQL 13 and later), which lets counts use index-only scans; on
    SQLite `PRAGMA optimize` after large imports does the analysing (docs/performance.md)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
