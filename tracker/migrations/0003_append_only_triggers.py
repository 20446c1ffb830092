"""Database triggers that refuse UPDATE and DELETE on every history table and the audit chain."""

from django.db import migrations

TRACKED_APPS = {"tracker", "intermediaries", "fees"}


def tables(apps):
    found = [
        m._meta.db_table
        for m in apps.get_models()
        if m._meta.model_name.startswith("historical") and m._meta.app_label in TRACKED_APPS
    ]
    return found + ["tracker_auditchainentry"]


def forwards(apps, schema_editor):
    from tracker.audit import install_triggers

    install_triggers(schema_editor.connection, tables(apps))


def backwards(apps, schema_editor):
    from tracker.audit import drop_triggers

    drop_triggers(schema_editor.connection, tables(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0002_audit_chain"),
        ("intermediaries", "0002_initial"),
        ("fees", "0002_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
