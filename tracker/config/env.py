"""The environment: the project directory, the helpers that read environment variables and
database URLs, and DEBUG, which the other settings modules branch on.

Imported by ``tracker.config.settings`` (and by its other settings modules).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


def database_from_url(url: str) -> dict:
    """Parse DATABASE_URL: sqlite:///path or postgres://user:pass@host:port/name."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if url.startswith("sqlite:////"):
            name = path  # absolute path
        else:
            name = str(BASE_DIR / path.lstrip("/")) if path else str(BASE_DIR / "db.sqlite3")
        return sqlite_database(name)
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "tracker",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
            "CONN_HEALTH_CHECKS": True,
            # One test database per test run so parallel runs never share it.
            "TEST": {
                "NAME": os.environ.get("DJANGO_TEST_DB_NAME")
                or f"test_{unquote(parsed.path.lstrip('/')) or 'tracker'}_{os.getpid()}"
            },
        }
    raise ValueError(f"Unsupported DATABASE_URL scheme: {parsed.scheme!r}")


def sqlite_database(name: str) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": name,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        },
        # A real file for tests too, one per test run so parallel runs never share it.
        "TEST": {
            "NAME": os.environ.get("DJANGO_TEST_DB_NAME")
            or str(BASE_DIR / f"test_db_{os.getpid()}.sqlite3")
        },
    }


DEBUG = env_bool("DJANGO_DEBUG", True)
