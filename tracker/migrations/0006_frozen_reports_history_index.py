"""Issued monthly reports are frozen by a database trigger; on SQLite, an (id, history_date)
index serves the as-of-month-end queries of the monthly report on the case history table
(PostgreSQL plans those queries without it, so it is not created there)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from tracker.audit.chain import _install_frozen_reports

    conn = schema_editor.connection
    with conn.cursor() as cursor:
        _install_frozen_reports(conn, cursor)
        if conn.vendor == "sqlite":
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS tracker_historicalcase_id_date "
                "ON tracker_historicalcase (id, history_date)"
            )


def backwards(apps, schema_editor):
    from tracker.audit.chain import _drop_frozen_reports

    conn = schema_editor.connection
    with conn.cursor() as cursor:
        _drop_frozen_reports(conn, cursor)
        if conn.vendor == "sqlite":
            cursor.execute("DROP INDEX IF EXISTS tracker_historicalcase_id_date")


class Migration(migrations.Migration):
    dependencies = [("tracker", "0005_jurisdiction_path_blank")]

    operations = [migrations.RunPython(forwards, backwards)]
