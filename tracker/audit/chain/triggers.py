"""Append-only triggers: UPDATE, DELETE (and on PostgreSQL TRUNCATE) refused on history
tables, the chain, its witnesses and the access log; issued monthly reports frozen."""

from __future__ import annotations

from django.apps import apps
from django.db import connection

from tracker.audit.chain.tracked import APPEND_ONLY_MODELS, history_models


def protected_tables() -> list[str]:
    """History tables, the chain, its witnesses and the access log: rows are only ever inserted."""
    from tracker.audit.models import ChainWitness
    from tracker.models import AccessLog, AuditChainEntry

    return (
        [m._meta.db_table for m in history_models()]
        + [AuditChainEntry._meta.db_table, ChainWitness._meta.db_table, AccessLog._meta.db_table]
        + [apps.get_model(label)._meta.db_table for label in APPEND_ONLY_MODELS]
    )


PG_FUNCTION = """
CREATE OR REPLACE FUNCTION tracker_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit history is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END
$$ LANGUAGE plpgsql;
"""


def install_triggers(conn=None, tables: list[str] | None = None) -> None:
    """Create triggers that refuse UPDATE and DELETE on history and chain tables."""
    conn = conn or connection
    tables = tables if tables is not None else protected_tables()
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(PG_FUNCTION)
        for table in tables:
            q = conn.ops.quote_name(table)
            if conn.vendor == "sqlite":
                for op in ("UPDATE", "DELETE"):
                    cursor.execute(
                        f'CREATE TRIGGER IF NOT EXISTS "{table}_no_{op.lower()}" '
                        f"BEFORE {op} ON {q} BEGIN "
                        f"SELECT RAISE(ABORT, 'audit history is append-only: {op} on {table} refused'); END;"
                    )
            elif conn.vendor == "postgresql":
                cursor.execute(f'DROP TRIGGER IF EXISTS "{table[:40]}_append_only" ON {q}')
                cursor.execute(
                    f'CREATE TRIGGER "{table[:40]}_append_only" BEFORE UPDATE OR DELETE ON {q} '
                    f"FOR EACH ROW EXECUTE FUNCTION tracker_append_only()"
                )
                cursor.execute(f'DROP TRIGGER IF EXISTS "{table[:40]}_no_truncate" ON {q}')
                cursor.execute(
                    f'CREATE TRIGGER "{table[:40]}_no_truncate" BEFORE TRUNCATE ON {q} '
                    f"FOR EACH STATEMENT EXECUTE FUNCTION tracker_append_only()"
                )
        _install_frozen_reports(conn, cursor)


FROZEN_REPORTS = "tracker_monthlyreport"
PG_FROZEN_FUNCTION = """
CREATE OR REPLACE FUNCTION tracker_issued_report_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.state = 'issued' THEN
        RAISE EXCEPTION 'an issued monthly report is frozen: % refused', TG_OP;
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$ LANGUAGE plpgsql;
"""


def _install_frozen_reports(conn, cursor) -> None:
    """Issued monthly reports can never be updated or deleted (drafts can be edited)."""
    if FROZEN_REPORTS not in conn.introspection.table_names(cursor):
        return
    if conn.vendor == "sqlite":
        for op in ("UPDATE", "DELETE"):
            cursor.execute(
                f'CREATE TRIGGER IF NOT EXISTS "{FROZEN_REPORTS}_issued_no_{op.lower()}" '
                f"BEFORE {op} ON {FROZEN_REPORTS} WHEN OLD.state = 'issued' BEGIN "
                f"SELECT RAISE(ABORT, 'an issued monthly report is frozen: {op} refused'); END;"
            )
    elif conn.vendor == "postgresql":
        cursor.execute(PG_FROZEN_FUNCTION)
        cursor.execute(f'DROP TRIGGER IF EXISTS "{FROZEN_REPORTS}_frozen" ON {FROZEN_REPORTS}')
        cursor.execute(
            f'CREATE TRIGGER "{FROZEN_REPORTS}_frozen" BEFORE UPDATE OR DELETE ON {FROZEN_REPORTS} '
            f"FOR EACH ROW EXECUTE FUNCTION tracker_issued_report_frozen()"
        )


def _drop_frozen_reports(conn, cursor) -> None:
    if conn.vendor == "sqlite":
        for op in ("update", "delete"):
            cursor.execute(f'DROP TRIGGER IF EXISTS "{FROZEN_REPORTS}_issued_no_{op}"')
    elif conn.vendor == "postgresql" and FROZEN_REPORTS in conn.introspection.table_names(cursor):
        cursor.execute(f'DROP TRIGGER IF EXISTS "{FROZEN_REPORTS}_frozen" ON {FROZEN_REPORTS}')


def drop_triggers(conn=None, tables: list[str] | None = None) -> None:
    """Remove the append-only triggers (tests of tamper detection, and test-database flushes)."""
    conn = conn or connection
    tables = tables if tables is not None else protected_tables()
    with conn.cursor() as cursor:
        for table in tables:
            q = conn.ops.quote_name(table)
            if conn.vendor == "sqlite":
                for op in ("update", "delete"):
                    cursor.execute(f'DROP TRIGGER IF EXISTS "{table}_no_{op}"')
            elif conn.vendor == "postgresql":
                cursor.execute(f'DROP TRIGGER IF EXISTS "{table[:40]}_append_only" ON {q}')
                cursor.execute(f'DROP TRIGGER IF EXISTS "{table[:40]}_no_truncate" ON {q}')
        _drop_frozen_reports(conn, cursor)
