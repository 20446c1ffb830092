"""Shared by the migrations that create the append-only triggers."""

TRACKED_APPS = {"tracker", "intermediaries", "fees", "credit"}
APPEND_ONLY_TABLES = ["tracker_auditchainentry", "tracker_accesslog"]


def tables(apps):
    found = [
        m._meta.db_table
        for m in apps.get_models()
        if m._meta.model_name.startswith("historical") and m._meta.app_label in TRACKED_APPS
    ]
    return found + [t for t in APPEND_ONLY_TABLES if t in {m._meta.db_table for m in apps.get_models()}]


def forwards(apps, schema_editor):
    from tracker.audit.chain import install_triggers

    install_triggers(schema_editor.connection, tables(apps))


def backwards(apps, schema_editor):
    from tracker.audit.chain import drop_triggers

    drop_triggers(schema_editor.connection, tables(apps))
